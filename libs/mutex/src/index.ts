/**
 * @distlab/mutex: Ricart–Agrawala distributed mutual exclusion as a pure state machine, driven over gRPC by the peer
 * and over a simulated network by the simulator.
 */
export type {
  MutexCore,
  MutexCoreFactory,
  MutexCoreOptions,
  MutexInput,
  MutexMessage,
  MutexOutput,
  MutexSnapshot,
  MutexStateName,
  PeerId,
} from './mutex-core';
export { RicartAgrawala, FIRST_INCARNATION, MutexStateError, type RicartAgrawalaOptions } from './ricart-agrawala';
