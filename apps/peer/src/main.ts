import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { parseInteger, peerPort, runServerProcess } from '@distlab/grpc-kit';
import { startPeer } from './peer-server';

/** Parses "2=127.0.0.1:50062,3=127.0.0.1:50063". */
function parsePeers(value: string): Map<number, string> {
  const peers = new Map<number, string>();
  for (const entry of value.split(',').filter((part) => part.trim() !== '')) {
    const match = /^\s*(\d+)=([^\s,]+:\d+)\s*$/.exec(entry);
    if (match === null) throw new InvalidArgumentError(`--peers entries are id=host:port, got "${entry}"`);
    peers.set(Number(match[1]), match[2]);
  }
  return peers;
}

void runServerProcess({
  name: 'peer',
  description: 'One process of a distlab cluster: greeter, chat and logical clocks (time, mutex and election to come).',
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
      )
      .addOption(
        new Option('--peers <list>', 'the other peers: id=host:port,id=host:port')
          .env('DISTLAB_PEERS')
          .argParser(parsePeers),
      )
      .addOption(
        new Option('--events-dir <dir>', 'append the event log to <dir>/peer-<id>.jsonl')
          .env('DISTLAB_EVENTS_DIR')
          .default('.distlab/events'),
      ),
  start: ({ config, options, logger }) =>
    startPeer({
      id: options['id'] as number,
      server: config,
      logger: logger.child({ peerId: options['id'] }),
      registry: options['registry'] as string | undefined,
      peers: (options['peers'] as Map<number, string> | undefined) ?? new Map(),
      eventsFile: join(resolve(options['eventsDir'] as string), `peer-${options['id'] as number}.jsonl`),
    }),
});
