import { Metadata } from '@grpc/grpc-js';
import {
  ClockServiceClient,
  EventKind,
  type ClockServiceServer,
  type ClockStamp,
  type Event,
} from '@distlab/contracts/clock/v1/clock';
import {
  Code,
  createClient,
  createHandlers,
  isServiceError,
  limitText,
  pageTokens,
  StatusError,
  unaryCall,
  type ClientSettings,
  type Logger,
} from '@distlab/grpc-kit';
import type { EventLog, EventKindName, LoggedEvent } from './event-log';
import { BadStampError, readStamp, writeStamp, type LogicalClocks, type Stamp } from './logical-clocks';

const LABEL_MAX = 200;
const PAYLOAD_MAX = 4096;
const PAGE_DEFAULT = 100;
const PAGE_MAX = 1000;
const WATCH_BUFFER_MAX = 1000;
/** ListEvents pages by sequence: a token names the last sequence returned. */
const PAGE_TOKENS = pageTokens('e1');

const KINDS: Record<EventKindName, EventKind> = {
  local: EventKind.EVENT_KIND_LOCAL,
  send: EventKind.EVENT_KIND_SEND,
  receive: EventKind.EVENT_KIND_RECEIVE,
  'cs-enter': EventKind.EVENT_KIND_CRITICAL_SECTION_ENTER,
  'cs-exit': EventKind.EVENT_KIND_CRITICAL_SECTION_EXIT,
  election: EventKind.EVENT_KIND_ELECTION,
  'leader-changed': EventKind.EVENT_KIND_LEADER_CHANGED,
  'clock-adjusted': EventKind.EVENT_KIND_CLOCK_ADJUSTED,
};

/**
 * The clock service's one status mapping: a malformed stamp in metadata is INVALID_ARGUMENT (the message says which
 * key); the rest is validation decided where the input is read.
 */
function clockErrorToStatus(error: unknown): StatusError | undefined {
  if (error instanceof BadStampError) return new StatusError(Code.INVALID_ARGUMENT, error.message);
  return undefined;
}

export interface ClockServiceOptions {
  clocks: LogicalClocks;
  log: EventLog;
  /** The other peers' addresses by id (filled in when they are known). */
  peers: ReadonlyMap<number, string>;
  client?: ClientSettings;
  logger: Logger;
}

/** ClockService: this peer's logical clocks, messages stamped in metadata, and its event log. */
export function clockService(options: ClockServiceOptions): { implementation: ClockServiceServer; close(): void } {
  const { clocks, log } = options;
  const handlers = createHandlers({ logger: options.logger, mapError: clockErrorToStatus });
  const clients = new Map<number, ClockServiceClient>();
  const watchers = new Set<() => void>();
  const clientFor = (peerId: number) => {
    const address = options.peers.get(peerId);
    if (address === undefined)
      throw new StatusError(
        Code.NOT_FOUND,
        `no peer ${peerId} (known: ${[...options.peers.keys()].join(', ') || 'none'})`,
      );
    let client = clients.get(peerId);
    if (client === undefined) {
      client = createClient(ClockServiceClient, address, options.client);
      clients.set(peerId, client);
    }
    return client;
  };

  const implementation: ClockServiceServer = {
    getClock: handlers.unary(() => ({ peerId: clocks.peerId, stamp: toStamp(clocks.now()) })),
    localEvent: handlers.unary((request) => {
      const label = limitText(request.label, 'label', LABEL_MAX) || 'local event';
      return { event: toEvent(log.append({ kind: 'local', stamp: clocks.tick(), algorithm: 'clock', label })) };
    }),
    send: handlers.unary(async (request) => {
      const to = request.toPeerId;
      if (to === clocks.peerId)
        throw new StatusError(Code.INVALID_ARGUMENT, 'to_peer_id is this peer: send to another one');
      const payload = limitText(request.payload, 'payload', PAYLOAD_MAX);
      const client = clientFor(to);
      const stamp = clocks.tick();
      const messageId = `${clocks.peerId}-${log.size + 1}`;
      const sent = log.append({
        kind: 'send',
        stamp,
        algorithm: 'clock',
        label: `send ${messageId} to ${to}`,
        remotePeerId: to,
        messageId,
      });
      try {
        const delivered = await unaryCall(
          client,
          'deliver',
          { messageId, payload },
          { metadata: writeStamp(new Metadata(), clocks.peerId, stamp) },
        );
        return { sendEvent: toEvent(sent), receiveEvent: delivered.event };
      } catch (error) {
        const reason = isServiceError(error) ? error.details : String(error);
        throw new StatusError(Code.UNAVAILABLE, `peer ${to} did not take message ${messageId}: ${reason}`);
      }
    }),
    deliver: handlers.unary((request, call) => {
      const { sender, stamp } = readStamp(call.metadata);
      const received = clocks.receive(stamp);
      const messageId = limitText(request.messageId, 'message_id', LABEL_MAX);
      const label = `receive ${messageId} from ${sender}`;
      return {
        event: toEvent(
          log.append({ kind: 'receive', stamp: received, algorithm: 'clock', label, remotePeerId: sender, messageId }),
        ),
      };
    }),
    listEvents: handlers.unary((request) => {
      if (request.pageSize < 0) throw new StatusError(Code.INVALID_ARGUMENT, 'page_size must not be negative');
      const limit = request.pageSize === 0 ? PAGE_DEFAULT : Math.min(request.pageSize, PAGE_MAX);
      const page = log.page(PAGE_TOKENS.decode(request.pageToken), limit, request.algorithm);
      const last = page.events.at(-1);
      return {
        events: page.events.map(toEvent),
        nextPageToken: page.more && last ? PAGE_TOKENS.encode(last.sequence) : '',
      };
    }),
    watchEvents: handlers.serverStream(
      (request, call) =>
        new Promise<void>((resolve, reject) => {
          let end = () => resolve();
          const watch = log.watch(Number(request.afterSequence), (event) => {
            call.write({ event: toEvent(event) });
            if (call.writableLength <= WATCH_BUFFER_MAX) return true;
            end = () =>
              reject(
                new StatusError(
                  Code.RESOURCE_EXHAUSTED,
                  `watcher too slow: ${WATCH_BUFFER_MAX} events waiting; resume after the last sequence seen`,
                ),
              );
            queueMicrotask(() => stop());
            return false;
          });
          const stop = () => {
            watch.unwatch();
            watchers.delete(stop);
            end();
          };
          watchers.add(stop);
          call.on('cancelled', stop);
        }),
    ),
  };
  return {
    implementation,
    close: () => {
      for (const stop of [...watchers]) stop();
      for (const client of clients.values()) client.close();
    },
  };
}

function toStamp(stamp: Stamp): ClockStamp {
  return {
    lamport: String(stamp.lamport),
    vector: Object.fromEntries([...stamp.vector].map(([peerId, count]) => [peerId, String(count)])),
  };
}

function toEvent(event: LoggedEvent): Event {
  return {
    sequence: String(event.sequence),
    peerId: event.peerId,
    kind: KINDS[event.kind],
    stamp: toStamp(event.stamp),
    wallTime: event.wallTime,
    algorithm: event.algorithm,
    label: event.label,
    remotePeerId: event.remotePeerId ?? 0,
    messageId: event.messageId ?? '',
  };
}
