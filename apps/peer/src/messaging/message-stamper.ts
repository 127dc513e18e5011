import type { Envelope } from '@distlab/contracts/mutex/v1/mutex';
import { parseVector } from '@distlab/clock';
import { ENVELOPE_KEYS, STAMP_KEYS, type EnvelopeCarrier, type MessageKind } from './envelope';
import type { EventLog, LoggedEvent } from './event-log';
import type { LogicalClocks, Stamp } from './logical-clocks';

const LABEL_MAX = 200;
/** What the envelope's text entries may hold: printable ASCII, as metadata values must be. */
const PRINTABLE = /^[\x20-\x7e]*$/;

/** A malformed envelope on a message from the wire. */
export class BadStampError extends Error {}

/** Who sent a message and as which incarnation: what a receiver learns of restarts from. */
export type SenderSeen = (peerId: number, incarnation: number) => void;

/**
 * Stamps, merges and logs peer-to-peer messages for one peer: the one place where an envelope is filled (a send) and
 * read (a receive). A send ticks the clocks, logs the send and fills every field of the envelope; a receive checks the
 * envelope, merges its stamps into the clocks, tells who sent it and logs the receive.
 */
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

  /** A send of a message of `kind` to `to`: the clocks tick, the send is logged, and its envelope is returned. */
  stampSend(to: number, kind: MessageKind): Envelope {
    const stamp = this.clocks.tick();
    this.sent += 1;
    const messageId = `${this.peerId}.${this.incarnation}.${this.sent}`;
    const label = legalText(kind.label);
    const algorithm = legalText(kind.algorithm);
    const envelope: Envelope = {
      sender: this.peerId,
      lamport: String(stamp.lamport),
      vector: stamp.vectorText,
      incarnation: String(this.incarnation),
      messageId,
      label,
      algorithm,
    };
    this.log.append({ kind: 'send', stamp, algorithm, label: `send ${label} to ${to}`, remotePeerId: to, messageId });
    return envelope;
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

/**
 * Reads the sender and its stamp from an envelope; throws BadStampError naming the entry that is wrong, in the order
 * sender, Lamport time, vector (so a bad sender is named as such, not as the next entry missing).
 */
export function readStamp(envelope: EnvelopeCarrier): { sender: number; stamp: Pick<Stamp, 'lamport' | 'vector'> } {
  const sender = Number(requiredEntry(envelope, STAMP_KEYS.sender));
  if (!Number.isSafeInteger(sender) || sender < 1)
    throw new BadStampError(`metadata "${STAMP_KEYS.sender}" must be a peer id (a positive integer)`);
  const lamport = Number(requiredEntry(envelope, STAMP_KEYS.lamport));
  if (!Number.isSafeInteger(lamport) || lamport < 0)
    throw new BadStampError(`metadata "${STAMP_KEYS.lamport}" must be a natural number`);
  try {
    return { sender, stamp: { lamport, vector: parseVector(requiredEntry(envelope, STAMP_KEYS.vector)) } };
  } catch (error) {
    if (error instanceof BadStampError) throw error;
    throw new BadStampError(`metadata "${STAMP_KEYS.vector}": ${(error as Error).message}`);
  }
}

function requiredEntry(envelope: EnvelopeCarrier, key: string): string {
  const found = envelope.get(key);
  if (found === undefined) throw new BadStampError(`metadata "${key}" is missing`);
  return found;
}

function printableEntry(envelope: EnvelopeCarrier, key: string): string | undefined {
  const value = envelope.get(key);
  if (value !== undefined && !PRINTABLE.test(value))
    throw new BadStampError(`envelope "${key}" must be printable ASCII`);
  return value;
}

/** Metadata values are printable ASCII: a label is the drivers' own text, but keep it legal whatever it holds. */
function legalText(text: string): string {
  const legal = PRINTABLE.test(text) ? text : text.replace(/[^\x20-\x7e]/g, '?');
  return legal.length > LABEL_MAX ? legal.slice(0, LABEL_MAX) : legal;
}
