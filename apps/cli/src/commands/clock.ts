import { Command } from 'commander';
import { formatVector } from '@distlab/clock';
import {
  ClockServiceClient,
  EventEncoding,
  EventKind,
  type ClockStamp,
  type Event,
} from '@distlab/contracts/clock/v1/clock';
import { unaryCall } from '@distlab/grpc-kit';
import { action } from '../context';
import { peerId, withPeer } from './peer-clients';

const stampText = (stamp: ClockStamp | undefined) =>
  `L=${stamp?.lamport ?? 0} V=[${formatVector(new Map(Object.entries(stamp?.vector ?? {}).map(([peer, count]) => [Number(peer), Number(count)])))}]`;

/** One event as a line: sequence, kind, stamps, label. */
export function eventLine(event: Event): string {
  const kind = (EventKind[event.kind] ?? 'EVENT_KIND_UNKNOWN').replace('EVENT_KIND_', '').toLowerCase();
  return `#${event.sequence.padEnd(4)} peer-${event.peerId} ${kind.padEnd(24)} ${stampText(event.stamp).padEnd(28)} ${event.label}`;
}

export function clockCommands(program: Command): void {
  const clock = program.command('clock').description("a peer's logical clocks (ClockService)");
  clock
    .command('show')
    .description("show a peer's Lamport time and vector clock")
    .option('--peer <id>', 'which peer', peerId, 1)
    .action(
      action(async (options: { peer: number }, command: Command) =>
        withPeer(command, ClockServiceClient, options.peer, async (client, context) => {
          const response = await unaryCall(client, 'getClock', {});
          context.print(
            { peerId: response.peerId, stamp: response.stamp },
            `peer-${response.peerId} ${stampText(response.stamp)}`,
          );
        }),
      ),
    );
  clock
    .command('event')
    .description('record a local event on a peer')
    .option('--peer <id>', 'which peer', peerId, 1)
    .option('--label <text>', 'what happened', '')
    .action(
      action(async (options: { peer: number; label: string }, command: Command) =>
        withPeer(command, ClockServiceClient, options.peer, async (client, context) => {
          const { event } = await unaryCall(client, 'localEvent', { label: options.label });
          if (event !== undefined) context.print(event, eventLine(event));
        }),
      ),
    );
  clock
    .command('send')
    .description('make one peer send a stamped message to another')
    .requiredOption('--from <id>', 'the sending peer', peerId)
    .requiredOption('--to <id>', 'the receiving peer', peerId)
    .option('--payload <text>', 'the message', '')
    .action(
      action(async (options: { from: number; to: number; payload: string }, command: Command) =>
        withPeer(command, ClockServiceClient, options.from, async (client, context) => {
          const response = await unaryCall(client, 'send', { toPeerId: options.to, payload: options.payload });
          const lines = [response.sendEvent, response.receiveEvent]
            .filter((event): event is Event => event !== undefined)
            .map(eventLine);
          context.print(response, lines.join('\n'));
        }),
      ),
    );
  program
    .command('events')
    .description("a peer's event log (ListEvents, or WatchEvents with --follow)")
    .option('--peer <id>', 'which peer', peerId, 1)
    .option('--algorithm <name>', 'only events of this algorithm', '')
    .option('--follow', 'keep printing new events until Ctrl-C')
    .action(
      action(async (options: { peer: number; algorithm: string; follow?: boolean }, command: Command) =>
        withPeer(command, ClockServiceClient, options.peer, async (client, context) => {
          const show = (event: Event) => context.print(event, eventLine(event));
          if (options.follow) {
            await new Promise<void>((resolve, reject) => {
              const stream = client.watchEvents({
                afterSequence: '0',
                encoding: EventEncoding.EVENT_ENCODING_MESSAGES,
              });
              stream.on('data', (response: { event: Event }) => {
                if (options.algorithm === '' || response.event.algorithm === options.algorithm) show(response.event);
              });
              stream.on('error', reject);
              stream.on('end', resolve);
              process.once('SIGINT', () => (stream.cancel(), resolve()));
            });
            return;
          }
          let pageToken = '';
          for (let pages = 0; pages < 10_000; pages += 1) {
            const page = await unaryCall(client, 'listEvents', {
              pageSize: 1000,
              pageToken,
              algorithm: options.algorithm,
            });
            page.events.forEach(show);
            pageToken = page.nextPageToken;
            if (pageToken === '') break;
          }
        }),
      ),
    );
}
