import { Command, InvalidArgumentError } from 'commander';
import { ExchangeObjectResponse, GreeterServiceClient, SayHelloResponse } from '@distlab/contracts/greeter/v1/greeter';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { peerAddress } from './peer-clients';
import { lookupAddresses } from './registry';
import { action, CliContext } from '../context';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseAttribute(value: string, previous: Record<string, string>): Record<string, string> {
  const separator = value.indexOf('=');
  if (separator <= 0) throw new InvalidArgumentError(`attributes are key=value, got "${value}"`);
  return { ...previous, [value.slice(0, separator)]: value.slice(separator + 1) };
}

function parseInt64(value: string): string {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`--value must be an integer, got "${value}"`);
  return BigInt(value).toString();
}

export function greeterCommands(program: Command): void {
  program
    .command('hello')
    .description('say hello to a peer (GreeterService.SayHello)')
    .requiredOption('--name <name>', 'who is greeting')
    .option('--lookup <name>', "find the greeter through the registry first (like Pyro's PYRONAME:), e.g. peer-1")
    .action(
      // The registry for --lookup is the global --registry (or the one --base-port names).
      action(async (options: { name: string; lookup?: string }, command: Command) => {
        const context = CliContext.of(command);
        // Peer 1 where the registry says it is, with --registry (a cluster on other machines); else the layout's.
        let target = context.hasRegistry ? await peerAddress(context, 1) : context.target(context.ports.peer(1));
        if (options.lookup !== undefined) {
          const registry = context.dial(context.ports.registry);
          const [address] = await lookupAddresses(registry, options.lookup, context);
          if (address === undefined)
            throw new Error(`no live registration named "${options.lookup}" in the registry at ${registry}`);
          target = context.dial(address);
        }
        const client = createClient(GreeterServiceClient, target, context.clientSettings());
        try {
          const response = await unaryCall(client, 'sayHello', { name: options.name });
          context.print(SayHelloResponse.toJSON(response), `${response.message} (from ${response.serverId})`);
        } finally {
          client.close();
        }
      }),
    );

  program
    .command('object')
    .description('send an object to a peer and get the processed object back (GreeterService.ExchangeObject)')
    .requiredOption('--name <name>', "the object's name")
    .requiredOption('--value <integer>', "the object's value (a 64-bit integer)", parseInt64)
    .option('--tag <tag>', 'a tag (repeatable)', collect, [])
    .option('--attr <key=value>', 'an attribute (repeatable)', parseAttribute, {})
    .action(
      action(
        async (
          options: { name: string; value: string; tag: string[]; attr: Record<string, string> },
          command: Command,
        ) => {
          const context = CliContext.of(command);
          const client = createClient(
            GreeterServiceClient,
            context.target(context.ports.peer(1)),
            context.clientSettings(),
          );
          try {
            const object = { name: options.name, value: options.value, tags: options.tag, attributes: options.attr };
            const response = await unaryCall(client, 'exchangeObject', { object });
            const processed = response.object;
            if (processed === undefined) throw new Error('the server answered without an object');
            const human = [
              `sent      ${options.name} = ${options.value}`,
              `received  ${processed.name} = ${processed.value}  tags: ${processed.tags.join(', ') || '-'}`,
              `processed by ${response.serverId}`,
            ].join('\n');
            context.print(ExchangeObjectResponse.toJSON(response), human);
          } finally {
            client.close();
          }
        },
      ),
    );
}
