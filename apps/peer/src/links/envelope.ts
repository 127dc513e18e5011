import {
  InterceptingCall,
  Metadata,
  ServerInterceptingCall,
  status,
  type Interceptor,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { EventLog, LoggedEvent } from '../clocks/event-log';
import type { Envelope } from '@distlab/contracts/mutex/v1/mutex';
import { BadStampError, readStamp, writeStamp, type LogicalClocks } from '../clocks/logical-clocks';
import { carriedEnvelope, ENVELOPE_KEYS, metadataCarrier, type EnvelopeCarrier } from './envelope-carriers';

export { ENVELOPE_KEYS } from './envelope-carriers';

/** Set on the handler's copy of the metadata only (never sent): the sequence of the receive event logged. */
const RECEIVE_SEQUENCE_KEY = 'distlab-receive-sequence';
const LABEL_MAX = 200;
/** What the envelope's text entries may hold: printable ASCII, as metadata values must be. */
const PRINTABLE = /^[\x20-\x7e]*$/;

/** What a message is, the driver's part of the envelope, as a stream frame carries it (the rest is stamped on it). */
export function describedFrame(algorithm: string, label: string): Envelope {
  return {
    sender: 0,
    lamport: '0',
    vector: '',
    incarnation: '0',
    messageId: '',
    label: legalText(label),
    algorithm: legalText(algorithm),
  };
}

/** Metadata values are printable ASCII: a label is the drivers' own text, but keep it legal whatever it holds. */
function legalText(text: string): string {
  const legal = PRINTABLE.test(text) ? text : text.replace(/[^\x20-\x7e]/g, '?');
  return legal.length > LABEL_MAX ? legal.slice(0, LABEL_MAX) : legal;
}

/** Metadata saying what a message is: the driver's part of the envelope of a unary call. */
export function describedMessage(algorithm: string, label: string): Metadata {
  const metadata = new Metadata();
  metadata.set(ENVELOPE_KEYS.label, legalText(label));
  metadata.set(ENVELOPE_KEYS.algorithm, legalText(algorithm));
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

  /** A send to `to`: the clocks tick, the send is logged, and the stamps are written into `envelope`. */
  stampSend(envelope: EnvelopeCarrier, to: number, method: string): LoggedEvent {
    const stamp = this.clocks.tick();
    this.sent += 1;
    const messageId = `${this.peerId}.${this.incarnation}.${this.sent}`;
    const label = envelope.get(ENVELOPE_KEYS.label) ?? method;
    const algorithm = envelope.get(ENVELOPE_KEYS.algorithm) ?? 'clock';
    writeStamp(envelope, this.peerId, stamp);
    envelope.set(ENVELOPE_KEYS.incarnation, String(this.incarnation));
    envelope.set(ENVELOPE_KEYS.messageId, messageId);
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
   * A receive: merges the sender's stamps and logs the receive. Returns undefined when the message carries no envelope
   * (a client's call, not a peer's); throws BadStampError when it carries a malformed one.
   */
  stampReceive(envelope: EnvelopeCarrier, method: string): LoggedEvent | undefined {
    if (envelope.get(ENVELOPE_KEYS.sender) === undefined) return undefined;
    const { sender, stamp } = readStamp(envelope);
    const incarnation = Number(printableEntry(envelope, ENVELOPE_KEYS.incarnation) ?? '1');
    if (!Number.isSafeInteger(incarnation) || incarnation < 1)
      throw new BadStampError(`metadata "${ENVELOPE_KEYS.incarnation}" must be a positive integer`);
    const label = printableEntry(envelope, ENVELOPE_KEYS.label)?.slice(0, LABEL_MAX) ?? method;
    const algorithm = printableEntry(envelope, ENVELOPE_KEYS.algorithm)?.slice(0, LABEL_MAX) ?? 'clock';
    const messageId = printableEntry(envelope, ENVELOPE_KEYS.messageId)?.slice(0, LABEL_MAX) ?? '';
    this.senderSeen(sender, incarnation);
    return this.log.append({
      kind: 'receive',
      stamp: this.clocks.receive(stamp),
      algorithm,
      label: `receive ${label} from ${sender}`,
      remotePeerId: sender,
      messageId,
    });
  }
}

function printableEntry(envelope: EnvelopeCarrier, key: string): string | undefined {
  const value = envelope.get(key);
  if (value !== undefined && !PRINTABLE.test(value))
    throw new BadStampError(`envelope "${key}" must be printable ASCII`);
  return value;
}

/** The receive event the server interceptor logged for this call, if it carried an envelope. */
export function receiveSequenceOf(metadata: Metadata): number | undefined {
  const value = textOf(metadata, RECEIVE_SEQUENCE_KEY);
  return value === undefined ? undefined : Number(value);
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
          stamper.stampSend(metadataCarrier(metadata), to, method);
          next(metadata, listener);
        },
      });
    return new InterceptingCall(nextCall(options), {
      sendMessage: (message: unknown, next) => {
        const envelope = carriedEnvelope(message);
        if (envelope !== undefined) stamper.stampSend(envelope, to, method);
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
    const receive = (envelope: EnvelopeCarrier): LoggedEvent | undefined | false => {
      try {
        return stamper.stampReceive(envelope, method);
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
              const event = receive(metadataCarrier(metadata));
              if (event === false) return;
              // The handler's copy only (never sent): which receive event its call was.
              if (event !== undefined) metadata.set(RECEIVE_SEQUENCE_KEY, String(event.sequence));
              nextMetadata(metadata);
            },
          }),
      });
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message: unknown, nextMessage) => {
            const envelope = carriedEnvelope(message);
            if (envelope === undefined || receive(envelope) !== false) nextMessage(message);
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
