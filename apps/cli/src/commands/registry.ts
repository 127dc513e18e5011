import type { Command } from 'commander';
import {
  ListResponse,
  LookupResponse,
  RegistryServiceClient,
  type Registration,
} from '@distlab/contracts/registry/v1/registry';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { action, CliContext, paintHeader } from '../context';

export function registrationTable(registrations: readonly Registration[]): string {
  if (registrations.length === 0) return '(no live registrations)';
  const rows = registrations.map((entry) => [
    entry.name,
    entry.address,
    Object.entries(entry.metadata)
      .map(([key, value]) => `${key}=${value}`)
      .join(' '),
    entry.expireTime?.toISOString().slice(11, 19) ?? '',
  ]);
  const header = ['NAME', 'ADDRESS', 'METADATA', 'EXPIRES'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  return paintHeader(
    [header, ...rows]
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n'),
  );
}

/** Resolves a name through the registry to its live addresses (the seed's PYRONAME: lookup). */
export async function lookupAddresses(
  registry: string,
  name: string,
  context: CliContext,
  maxAttempts?: number,
): Promise<string[]> {
  const client = createClient(RegistryServiceClient, registry, { ...context.clientSettings(), maxAttempts });
  try {
    return (await unaryCall(client, 'lookup', { name })).registrations.map((entry) => entry.address);
  } finally {
    client.close();
  }
}

export function registryCommand(program: Command): void {
  const registry = program
    .command('registry')
    .description('the name server: who is registered where (RegistryService)');
  registry
    .command('list')
    .description('every live registration')
    .option('--prefix <prefix>', 'only names starting with this')
    .action(
      action(async (options: { prefix?: string }, command: Command) => {
        const context = CliContext.of(command);
        const client = createClient(
          RegistryServiceClient,
          context.target(context.ports.registry),
          context.clientSettings(),
        );
        try {
          const response = await unaryCall(client, 'list', { namePrefix: options.prefix ?? '' });
          context.print(ListResponse.toJSON(response), registrationTable(response.registrations));
        } finally {
          client.close();
        }
      }),
    );
  registry
    .command('lookup')
    .description('the live endpoints of one name')
    .argument('<name>', 'the registered name, e.g. distlab.factorial.v1.FactorialService')
    .action(
      action(async (name: string, _options: unknown, command: Command) => {
        const context = CliContext.of(command);
        const client = createClient(
          RegistryServiceClient,
          context.target(context.ports.registry),
          context.clientSettings(),
        );
        try {
          const response = await unaryCall(client, 'lookup', { name });
          context.print(LookupResponse.toJSON(response), registrationTable(response.registrations));
        } finally {
          client.close();
        }
      }),
    );
}
