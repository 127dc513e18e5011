/**
 * @distlab/election: Bully and Ring leader election with heartbeat failure detection, as a pure state machine
 * (messages and time in, messages and effects out).
 */
export { ElectionCore, DEFAULT_TIMEOUTS, type ElectionCoreOptions, type ElectionTimeouts } from './election-core';
export type { ElectionAlgorithm, ElectionInput, ElectionMessage, ElectionOutput, PeerId } from './messages';
export type {
  LeaderElectionCore,
  LeaderElectionCoreFactory,
  LeaderElectionCoreOptions,
  ElectionSnapshot,
} from './election-core-interface';
