import {
  EMPTY_VECTOR,
  formatVector,
  incrementVector,
  LamportClock,
  parseVector,
  receiveVector,
  type VectorClock,
} from '@distlab/clock';
import type { EnvelopeCarrier } from '../links/envelope-carriers';

/** A process's logical time at one event. */
export interface Stamp {
  lamport: number;
  vector: VectorClock;
  /** The vector's wire form (formatVector), made once: the envelope and the event log both carry it. */
  vectorText: string;
}

/** The metadata keys that carry the sender's stamp on every peer-to-peer call (documented in clock.proto). */
export const STAMP_KEYS = { sender: 'distlab-sender', lamport: 'distlab-lamport', vector: 'distlab-vector' } as const;

/** A malformed stamp in request metadata. */
export class BadStampError extends Error {}

/**
 * One peer's logical clocks, Lamport and vector, advanced together: a local event or a send ticks both; a receive
 * merges the sender's stamp into both. The algorithms themselves are libs/clock's; this holds the peer's state.
 */
export class LogicalClocks {
  private readonly lamport = new LamportClock();
  private vector: VectorClock = EMPTY_VECTOR;
  private vectorText = '';

  constructor(readonly peerId: number) {}

  now(): Stamp {
    return { lamport: this.lamport.time, vector: this.vector, vectorText: this.vectorText };
  }

  /** A local event or a send: both clocks tick. */
  tick(): Stamp {
    return this.advance(incrementVector(this.vector, this.peerId), this.lamport.tick());
  }

  /** The receive of a message stamped `remote`. */
  receive(remote: Pick<Stamp, 'lamport' | 'vector'>): Stamp {
    return this.advance(receiveVector(this.vector, remote.vector, this.peerId), this.lamport.receive(remote.lamport));
  }

  private advance(vector: VectorClock, lamport: number): Stamp {
    this.vector = vector;
    this.vectorText = formatVector(vector);
    return { lamport, vector, vectorText: this.vectorText };
  }
}

/** Writes a send's stamp into an envelope. */
export function writeStamp(envelope: EnvelopeCarrier, sender: number, stamp: Stamp): void {
  envelope.set(STAMP_KEYS.sender, String(sender));
  envelope.set(STAMP_KEYS.lamport, String(stamp.lamport));
  envelope.set(STAMP_KEYS.vector, stamp.vectorText);
}

/** Reads the sender and its stamp from an envelope; throws BadStampError naming what is wrong. */
export function readStamp(envelope: EnvelopeCarrier): { sender: number; stamp: Pick<Stamp, 'lamport' | 'vector'> } {
  const sender = Number(requiredEntry(envelope, STAMP_KEYS.sender));
  const lamport = Number(requiredEntry(envelope, STAMP_KEYS.lamport));
  if (!Number.isSafeInteger(sender) || sender < 1)
    throw new BadStampError(`metadata "${STAMP_KEYS.sender}" must be a peer id`);
  if (!Number.isSafeInteger(lamport) || lamport < 0)
    throw new BadStampError(`metadata "${STAMP_KEYS.lamport}" must be a natural number`);
  try {
    return { sender, stamp: { lamport, vector: parseVector(requiredEntry(envelope, STAMP_KEYS.vector)) } };
  } catch (error) {
    throw new BadStampError(`metadata "${STAMP_KEYS.vector}": ${(error as Error).message}`);
  }
}

function requiredEntry(envelope: EnvelopeCarrier, key: string): string {
  const found = envelope.get(key);
  if (found === undefined) throw new BadStampError(`metadata "${key}" is missing`);
  return found;
}
