import {
  EMPTY_VECTOR,
  formatVector,
  incrementVector,
  LamportClock,
  receiveVector,
  type VectorClock,
} from '@distlab/clock';

/** A process's logical time at one event. */
export interface Stamp {
  lamport: number;
  vector: VectorClock;
  /** The vector's wire form (formatVector), made once: the envelope and the event log both carry it. */
  vectorText: string;
}

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
