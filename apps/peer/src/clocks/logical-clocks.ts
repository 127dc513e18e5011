import {
  EMPTY_VECTOR,
  formatVector,
  incrementVector,
  LamportClock,
  parseVector,
  receiveVector,
  type VectorClock,
} from '@distlab/clock';
import { Metadata } from '@grpc/grpc-js';

/** A process's logical time at one event. */
export interface Stamp {
  lamport: number;
  vector: VectorClock;
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

  constructor(readonly peerId: number) {}

  now(): Stamp {
    return { lamport: this.lamport.time, vector: this.vector };
  }

  /** A local event or a send: both clocks tick. */
  tick(): Stamp {
    this.vector = incrementVector(this.vector, this.peerId);
    return { lamport: this.lamport.tick(), vector: this.vector };
  }

  /** The receive of a message stamped `remote`. */
  receive(remote: Stamp): Stamp {
    this.vector = receiveVector(this.vector, remote.vector, this.peerId);
    return { lamport: this.lamport.receive(remote.lamport), vector: this.vector };
  }
}

/** Writes a send's stamp into request metadata. */
export function writeStamp(metadata: Metadata, sender: number, stamp: Stamp): Metadata {
  metadata.set(STAMP_KEYS.sender, String(sender));
  metadata.set(STAMP_KEYS.lamport, String(stamp.lamport));
  metadata.set(STAMP_KEYS.vector, formatVector(stamp.vector));
  return metadata;
}

/** Reads the sender and its stamp from request metadata; throws BadStampError naming what is wrong. */
export function readStamp(metadata: Metadata): { sender: number; stamp: Stamp } {
  const value = (key: string) => {
    const found = metadata.get(key)[0];
    if (typeof found !== 'string') throw new BadStampError(`metadata "${key}" is missing`);
    return found;
  };
  const sender = Number(value(STAMP_KEYS.sender));
  const lamport = Number(value(STAMP_KEYS.lamport));
  if (!Number.isSafeInteger(sender) || sender < 1)
    throw new BadStampError(`metadata "${STAMP_KEYS.sender}" must be a peer id`);
  if (!Number.isSafeInteger(lamport) || lamport < 0)
    throw new BadStampError(`metadata "${STAMP_KEYS.lamport}" must be a natural number`);
  try {
    return { sender, stamp: { lamport, vector: parseVector(value(STAMP_KEYS.vector)) } };
  } catch (error) {
    throw new BadStampError(`metadata "${STAMP_KEYS.vector}": ${(error as Error).message}`);
  }
}
