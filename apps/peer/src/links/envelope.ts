import {
  InterceptingCall,
  Metadata,
  ServerInterceptingCall,
  status,
  type Interceptor,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { EventLog, LoggedEvent } from '../clocks/event-log';
import { BadStampError, readStamp, STAMP_KEYS, writeStamp, type LogicalClocks } from '../clocks/logical-clocks';

/**
 * The envelope of every peer-to-peer message, carried in metadata (the keys are documented in clock.proto): the
 * sender's stamps, its incarnation, a message id shared by the send and receive events, and the label and algorithm the
 * events are logged under. Interceptors write it on the way out and read it on the way in, so that every message of
 * every algorithm is stamped, merged and logged in one place, and the algorithm drivers only say what a message is.
 */
export const ENVELOPE_KEYS = {
  ...STAMP_KEYS,
  incarnation: 'distlab-incarnation',
  messageId: 'distlab-message-id',
  label: 'distlab-label',
  algorithm: 'distlab-algorithm',
} as const;

/** Set on the handler's copy of the metadata only (never sent): the sequence of the receive event logged. */
const RECEIVE_SEQUENCE_KEY = 'distlab-receive-sequence';
const LABEL_MAX = 200;

/** What a message is, the driver's part of the envelope, as a stream frame's envelope carries it. */
export function describedEnvelope(algorithm: string, label: string): Record<string, string> {
  // Metadata values are printable ASCII: a label is the drivers' own text, but keep it legal whatever it holds.
  return {
    [ENVELOPE_KEYS.label]: label.replace(/[^\x20-\x7e]/g, '?').slice(0, LABEL_MAX),
    [ENVELOPE_KEYS.algorithm]: algorithm.replace(/[^\x20-\x7e]/g, '?').slice(0, LABEL_MAX),
  };
}

/** Metadata saying what a message is: the driver's part of the envelope of a unary call. */
export function describedMessage(algorithm: string, label: string): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(describedEnvelope(algorithm, label))) metadata.set(key, value);
  return metadata;
}

/** Who sent a message and as which incarnation: what a receiver learns of restarts from. */
export type SenderSeen = (peerId: number, incarnation: number) => void;

/** Stamps, merges and logs peer-to-peer messages for one peer. */
export class MessageStamper {
  private sent = 0;
  private senderSeen: SenderSeen = () => undefined;

  constructor(
    private readonly clocks: LogicalClocks,
    private readonly log: EventLog,
    readonly incarnation: number,
  ) {}

  /** Who learns of each sender's incarnation (the links, which notice restarts). */
  observeSenders(observer: SenderSeen): void {
    this.senderSeen = observer;
  }

  get peerId(): number {
    return this.clocks.peerId;
  }

  /** A send to `to`: the clocks tick, the send is logged, and the envelope is written into `metadata`. */
  stampSend(metadata: Metadata, to: number, method: string): LoggedEvent {
    const stamp = this.clocks.tick();
    this.sent += 1;
    const messageId = `${this.peerId}.${this.incarnation}.${this.sent}`;
    const label = textOf(metadata, ENVELOPE_KEYS.label) ?? method;
    const algorithm = textOf(metadata, ENVELOPE_KEYS.algorithm) ?? 'clock';
    writeStamp(metadata, this.peerId, stamp);
    metadata.set(ENVELOPE_KEYS.incarnation, String(this.incarnation));
    metadata.set(ENVELOPE_KEYS.messageId, messageId);
    return this.log.append({
      kind: 'send',
      stamp,
      algorithm,
      label: `send ${label} to ${to}`,
      remotePeerId: to,
      messageId,
    });
  }

  /**
   * A receive: merges the sender's stamps, logs the receive and notes the event on `metadata` for the handler. Returns
   * undefined when the call carries no envelope (a client's call, not a peer's); throws BadStampError when it carries a
   * malformed one.
   */
  stampReceive(metadata: Metadata, method: string): LoggedEvent | undefined {
    if (metadata.get(ENVELOPE_KEYS.sender).length === 0) return undefined;
    const { sender, stamp } = readStamp(metadata);
    const incarnationText = textOf(metadata, ENVELOPE_KEYS.incarnation) ?? '1';
    const incarnation = Number(incarnationText);
    if (!Number.isSafeInteger(incarnation) || incarnation < 1)
      throw new BadStampError(`metadata "${ENVELOPE_KEYS.incarnation}" must be a positive integer`);
    this.senderSeen(sender, incarnation);
    const label = textOf(metadata, ENVELOPE_KEYS.label) ?? method;
    const event = this.log.append({
      kind: 'receive',
      stamp: this.clocks.receive(stamp),
      algorithm: textOf(metadata, ENVELOPE_KEYS.algorithm) ?? 'clock',
      label: `receive ${label} from ${sender}`,
      remotePeerId: sender,
      messageId: textOf(metadata, ENVELOPE_KEYS.messageId)?.slice(0, LABEL_MAX) ?? '',
    });
    metadata.set(RECEIVE_SEQUENCE_KEY, String(event.sequence));
    return event;
  }
}

/** The receive event the server interceptor logged for this call, if it carried an envelope. */
export function receiveSequenceOf(metadata: Metadata): number | undefined {
  const value = textOf(metadata, RECEIVE_SEQUENCE_KEY);
  return value === undefined ? undefined : Number(value);
}

/**
 * A stream message that carries its own envelope (MutexService.Exchange's frames): a stream's metadata is sent once, so
 * each message holds the envelope's keys and values in a map field instead.
 */
interface EnvelopedMessage {
  envelope: Record<string, string>;
}

function isEnveloped(message: unknown): message is EnvelopedMessage {
  return typeof message === 'object' && message !== null && typeof (message as EnvelopedMessage).envelope === 'object';
}

/** The envelope's keys as metadata (others are ignored); BadStampError for a value metadata cannot hold. */
function metadataOf(envelope: Record<string, string>): Metadata {
  const metadata = new Metadata();
  for (const key of Object.values(ENVELOPE_KEYS)) {
    const value = envelope[key];
    if (value === undefined) continue;
    try {
      metadata.set(key, value);
    } catch {
      throw new BadStampError(`envelope "${key}" must be printable ASCII`);
    }
  }
  return metadata;
}

function envelopeOf(metadata: Metadata): Record<string, string> {
  const envelope: Record<string, string> = {};
  for (const [key, values] of Object.entries(metadata.getMap())) if (typeof values === 'string') envelope[key] = values;
  return envelope;
}

/**
 * The client side: every call to peer `to` is stamped and logged as a send before it leaves. On a stream whose
 * messages carry an envelope, each message is the send (stamped as it is written), not the opening of the stream.
 */
export function envelopeClientInterceptor(stamper: MessageStamper, to: number): Interceptor {
  return (options, nextCall) => {
    const method = methodName(options.method_definition.path);
    if (!options.method_definition.requestStream)
      return new InterceptingCall(nextCall(options), {
        start: (metadata, listener, next) => {
          stamper.stampSend(metadata, to, method);
          next(metadata, listener);
        },
      });
    return new InterceptingCall(nextCall(options), {
      sendMessage: (message: unknown, next) => {
        if (isEnveloped(message)) {
          const metadata = metadataOf(message.envelope);
          stamper.stampSend(metadata, to, method);
          message.envelope = envelopeOf(metadata);
        }
        next(message);
      },
    });
  };
}

/**
 * The server side: a call carrying an envelope is merged and logged as a receive before its handler runs; on a stream,
 * each message carrying one is. A malformed envelope ends the call with INVALID_ARGUMENT.
 */
export function envelopeServerInterceptor(stamper: MessageStamper): ServerInterceptor {
  return (methodDescriptor, call) => {
    const method = methodName(methodDescriptor.path);
    const receive = (metadata: () => Metadata): boolean => {
      try {
        stamper.stampReceive(metadata(), method);
        return true;
      } catch (error) {
        if (!(error instanceof BadStampError)) throw error;
        call.sendStatus({ code: status.INVALID_ARGUMENT, details: error.message });
        return false;
      }
    };
    if (!methodDescriptor.requestStream)
      return new ServerInterceptingCall(call, {
        start: (next) =>
          next({
            onReceiveMetadata: (metadata, nextMetadata) => {
              if (receive(() => metadata)) nextMetadata(metadata);
            },
          }),
      });
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message: unknown, nextMessage) => {
            if (!isEnveloped(message) || receive(() => metadataOf(message.envelope))) nextMessage(message);
          },
        }),
    });
  };
}

function textOf(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/** "/distlab.mutex.v1.MutexService/Request" → "Request". */
function methodName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
