import { Option } from 'commander';
import { parseInteger, peerPort, runServerProcess } from '@distlab/grpc-kit';
import { startPeer } from './peer-server';

void runServerProcess({
  name: 'peer',
  description: 'One process of a distlab cluster: greeter and chat (clocks, time, mutex and election to come).',
  defaultPort: peerPort(1),
  configure: (command) =>
    command
      .addOption(
        new Option('--id <id>', "this peer's id, a positive integer")
          .env('DISTLAB_PEER_ID')
          .default(1)
          .argParser(parseInteger('--id', 1, 1_000_000)),
      )
      .addOption(
        new Option('--registry <host:port>', 'register as "peer-<id>" and as a GreeterService endpoint').env(
          'DISTLAB_REGISTRY',
        ),
      ),
  start: ({ config, options, logger }) =>
    startPeer({
      id: options['id'] as number,
      server: config,
      logger: logger.child({ peerId: options['id'] }),
      registry: options['registry'] as string | undefined,
    }),
});
