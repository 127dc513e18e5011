import { EVENT_KIND_LOG_NAMES } from '@distlab/contracts';
import {
  ClockServiceClient,
  EventEncoding,
  EventKind,
  type ClockServiceServer,
  type ClockStamp,
  type Event,
} from '@distlab/contracts/clock/v1/clock';
import {
  clientHostOf,
  Code,
  createHandlers,
  durationToMs,
  isServiceError,
  limitText,
  pageTokens,
  requireCounter,
  StatusError,
  StreamSlots,
  unaryCall,
  type Logger,
} from '@distlab/grpc-kit';
import {
  BadStampError,
  envelopeMetadata,
  ForgottenEventsError,
  metadataCarrier,
  readStamp,
  receiveSequenceOf,
  type EventKindName,
  type EventLog,
  type LoggedEvent,
  type LogicalClocks,
  type PeerLinks,
  type Stamp,
} from '../messaging';
import { batchWindowMsOf, jsonLinesEncoder, messageEncoder, streamEvents } from './event-stream';

/** How long Send waits for a link that is not connected before trying anyway. */
const CONNECT_WAIT_MS = 1_000;
const LABEL_MAX = 200;
const PAYLOAD_MAX = 4096;
const PAGE_DEFAULT = 100;
const PAGE_MAX = 1000;
/** ListEvents pages by sequence: a token names the last sequence returned. */
const PAGE_TOKENS = pageTokens('e1');

/** The log's kind names and the wire's enum: one table, in @distlab/contracts. */
const KINDS: Record<EventKindName, EventKind> = EVENT_KIND_LOG_NAMES;

/**
 * The clock service's one status mapping: a malformed stamp in metadata is INVALID_ARGUMENT (the message says which
 * key); a page token or after_sequence whose next events were dropped from memory is OUT_OF_RANGE (the position is
 * valid, the events past it are not served any more: the file has them); the rest is validation decided where the
 * input is read.
 */
function clockErrorToStatus(error: unknown): StatusError | undefined {
  if (error instanceof BadStampError) return new StatusError(Code.INVALID_ARGUMENT, error.message);
  if (error instanceof ForgottenEventsError) return new StatusError(Code.OUT_OF_RANGE, error.message);
  return undefined;
}

/**
 * WatchEvents streams open at once at most: each costs the peer a copy of every event, so without a bound one client
 * opening thousands would slow the algorithms for everyone. A live view is one stream per peer; this leaves room for a
 * classroom's views of one shared cluster.
 */
export const MAX_EVENT_WATCHERS = 100;
/**
 * WatchEvents streams open at once from one client (one host): without it, one client could hold all of the above and
 * leave no watcher to anyone else. A live view holds one per peer, so this is room for sixteen views on one machine.
 */
export const MAX_EVENT_WATCHERS_PER_CLIENT = 16;

export interface ClockServiceOptions {
  clocks: LogicalClocks;
  log: EventLog;
  /** The links to the other peers: sends are stamped and logged by their envelope interceptor. */
  links: PeerLinks;
  logger: Logger;
}

/** ClockService: this peer's logical clocks, messages stamped in metadata, and its event log. */
export function clockService(options: ClockServiceOptions): { implementation: ClockServiceServer; close(): void } {
  const { clocks, log, links } = options;
  const handlers = createHandlers({ logger: options.logger, mapError: clockErrorToStatus });
  const watchers = new Set<() => void>();
  const slots = new StreamSlots({
    total: MAX_EVENT_WATCHERS,
    perClient: MAX_EVENT_WATCHERS_PER_CLIENT,
    what: 'event watchers',
    instead: 'read the log with ListEvents',
  });

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
      if (!links.has(to))
        throw new StatusError(Code.NOT_FOUND, `no peer ${to} (known: ${links.others().join(', ') || 'none'})`);
      try {
        // A user's one-off message: give a link that is between connection attempts a moment to connect, rather than
        // failing at once because an earlier attempt (the peer was starting, or the machine was busy) failed.
        const peer = links.client(ClockServiceClient, to);
        await new Promise<void>((resolve) => peer.waitForReady(Date.now() + CONNECT_WAIT_MS, () => resolve()));
        const delivered = await links.send(to, { algorithm: 'clock', label: 'message' }, (envelope) =>
          unaryCall(peer, 'deliver', { messageId: '', payload }, { metadata: envelopeMetadata(envelope) }),
        );
        const sent = log.find('send', delivered.event?.messageId ?? '');
        if (sent === undefined) throw new Error(`peer ${to} answered for a message this peer did not send`);
        return { sendEvent: toEvent(sent), receiveEvent: delivered.event };
      } catch (error) {
        const reason = isServiceError(error) ? error.details : String(error);
        throw new StatusError(Code.UNAVAILABLE, `peer ${to} did not take the message: ${reason}`);
      }
    }),
    deliver: handlers.unary((_request, call) => {
      // The envelope interceptor merged the stamps and logged the receive before this handler ran.
      const sequence = receiveSequenceOf(call.metadata);
      const received = sequence === undefined ? undefined : log.get(sequence);
      if (received === undefined) readStamp(metadataCarrier(call.metadata)); // Throws BadStampError naming what is missing.
      return { event: received === undefined ? undefined : toEvent(received) };
    }),
    listEvents: handlers.unary((request) => {
      if (request.pageSize < 0) throw new StatusError(Code.INVALID_ARGUMENT, 'page_size must not be negative');
      const limit = request.pageSize === 0 ? PAGE_DEFAULT : Math.min(request.pageSize, PAGE_MAX);
      // A token is valid on the peer (and the life of it) that issued it, for the same filter: sequences are this log's.
      const scope = `peer ${log.peerId}.${log.incarnation} ${request.algorithm}`;
      const page = log.page(PAGE_TOKENS.decode(request.pageToken, scope), limit, request.algorithm);
      const last = page.events.at(-1);
      return {
        events: page.events.map(toEvent),
        nextPageToken: page.more && last ? PAGE_TOKENS.encode(last.sequence, scope) : '',
      };
    }),
    watchEvents: handlers.serverStream((request, call) => {
      const release = slots.take(clientHostOf(call.getPeer()));
      return new Promise<void>((resolve, reject) => {
        const options = {
          log,
          afterSequence: requireCounter(request.afterSequence, 'after_sequence'),
          batchWindowMs: batchWindowMsOf(durationToMs(request.batchWindow)),
          onFailed: (error: unknown) => queueMicrotask(() => (reject(error), stop())),
        };
        const stopStreaming =
          encodingOf(request.encoding) === 'json-lines'
            ? streamEvents(call, { ...options, encoder: jsonLinesEncoder(log, request.withoutShiviz ?? false) })
            : streamEvents(call, { ...options, encoder: messageEncoder(toEvent) });
        const stop = () => {
          stopStreaming();
          watchers.delete(stop);
          release();
          resolve();
        };
        watchers.add(stop);
        call.on('cancelled', stop);
      });
    }),
  };
  return {
    implementation,
    close: () => {
      for (const stop of [...watchers]) stop();
    },
  };
}

function toStamp(stamp: Stamp): ClockStamp {
  return {
    lamport: String(stamp.lamport),
    vector: Object.fromEntries([...stamp.vector].map(([peerId, count]) => [peerId, String(count)])),
  };
}

/** The encoding a watcher asked for; an unknown one is refused rather than guessed. */
function encodingOf(encoding: EventEncoding): 'messages' | 'json-lines' {
  switch (encoding) {
    case EventEncoding.EVENT_ENCODING_UNSPECIFIED:
    case EventEncoding.EVENT_ENCODING_MESSAGES:
      return 'messages';
    case EventEncoding.EVENT_ENCODING_JSON_LINES:
      return 'json-lines';
    default:
      throw new StatusError(
        Code.INVALID_ARGUMENT,
        `unknown encoding ${Number(encoding)}: use 0, 1 (messages) or 2 (json lines)`,
      );
  }
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
