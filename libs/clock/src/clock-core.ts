import type { BerkeleyReading, BerkeleyRound } from './berkeley';
import type { VectorClock } from './vector-clock';

/**
 * The interfaces of the clock cores, for students who write their own. A user's module exports any of them;
 * `distlab simulate --algorithm lamport|vector|berkeley --core FILE` checks the ones it finds against happened-before
 * (Lamport and vector) or the skew bound (Berkeley). The reference implementations are `LamportClock`,
 * `incrementVector`/`receiveVector` and `berkeleyRound`. No clock is read inside: every time comes in as an argument.
 */

/**
 * A Lamport clock, one per process (exported as `createLamportClock`, or a class `LamportClock`). Demanded: if event a
 * happened before event b (same process and earlier, or a's message is received at b, or transitively), then the
 * stamp of a is smaller than the stamp of b.
 */
export interface LamportClockCore {
  /** The stamp of the last event (0 before any). */
  readonly time: number;
  /** A local event or a send: returns the new event's stamp. */
  tick(): number;
  /** The receive of a message stamped `remoteTime`: returns the receive's stamp. */
  receive(remoteTime: number): number;
}

/**
 * The vector-clock rules, as pure functions on immutable vectors (a missing entry counts as 0). Demanded: for any
 * two events a and b, a happened before b exactly when V(a) < V(b) (every entry ≤, and not all equal).
 */
export interface VectorClockRules {
  /** The clock after one more local event or send of `peerId` (exported as `incrementVector`). */
  incrementVector(clock: VectorClock, peerId: number): VectorClock;
  /** The receive by `peerId`, whose clock is `local`, of a message stamped `remote` (exported as `receiveVector`). */
  receiveVector(local: VectorClock, remote: VectorClock, peerId: number): VectorClock;
}

/**
 * One Berkeley round at the master (exported as `berkeleyRound`): from every other process's reading (Cristian style:
 * send time and receive time on the master's clock, the process's time in between), the adjustment each must apply
 * (positive is forward) and the master's own. Demanded: after every adjustment is applied, all clocks are within the
 * reported `skewBoundMs` of each other, and a reading further than `maxDeviationMs` from the median is left out of the
 * average (`included: false`).
 */
export type BerkeleyAverager = (readings: readonly BerkeleyReading[], maxDeviationMs: number) => BerkeleyRound;
