import type { Command } from 'commander';
import { checkHealth, createHealthClient, listHealth } from '@distlab/grpc-kit';
import { action, CliContext, paint } from '../context';
import { peerAddress } from './peer-clients';

export function healthCommand(program: Command): void {
  program
    .command('health')
    .description('show the grpc.health.v1 status of a server and of each service it hosts')
    .argument('[target]', 'host:port (default: --target, else peer 1, found through --registry when given)')
    .option('--service <name>', 'check only this service ("" is the server as a whole)')
    .action(
      action(async (target: string | undefined, options: { service?: string }, command: Command) => {
        const context = CliContext.of(command);
        // Peer 1 unless told: where the registry says it is with --registry, else --target or the layout's.
        const address =
          target !== undefined
            ? context.dial(target)
            : context.hasRegistry
              ? await peerAddress(context, 1)
              : context.target(context.ports.peer(1));
        const client = createHealthClient(address, context.clientSettings());
        try {
          if (options.service !== undefined) {
            const status = await checkHealth(client, options.service);
            context.print({ service: options.service, status }, status);
            if (status !== 'SERVING') process.exitCode = 1;
            return;
          }
          const statuses = await listHealth(client);
          const rows = Object.entries(statuses).map(
            ([service, status]) =>
              `${paint(status === 'SERVING' ? 'green' : 'red', status.padEnd(12))} ${service || '(server)'}`,
          );
          context.print({ target: address, statuses }, [`${address}`, ...rows].join('\n'));
          if (Object.values(statuses).some((status) => status !== 'SERVING')) process.exitCode = 1;
        } finally {
          client.close();
        }
      }),
    );
}
