/**
 * @distlab/clock: the lab's clock algorithms as pure code. Nothing here reads a clock, sets a timer or does I/O:
 * times come in as arguments, so the same code runs in the peers (over gRPC) and in the seeded simulator.
 */
export { LamportClock, compareStamps } from './lamport-clock';
export {
  EMPTY_VECTOR,
  compareVectors,
  formatVector,
  incrementVector,
  mergeVectors,
  parseVector,
  receiveVector,
  type Causality,
  type VectorClock,
} from './vector-clock';
export { bestCristianEstimate, cristianEstimate, type CristianEstimate, type CristianSample } from './cristian';
export { berkeleyRound, type BerkeleyAdjustment, type BerkeleyReading, type BerkeleyRound } from './berkeley';
export type { LamportClockCore, VectorClockRules, BerkeleyAverager } from './clock-core';
