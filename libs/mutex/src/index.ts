/**
 * @distlab/mutex: Ricart–Agrawala distributed mutual exclusion as a pure state machine, driven over gRPC by the peer
 * and over a simulated network by the simulator.
 */
export {
  RicartAgrawala,
  MutexStateError,
  type MutexInput,
  type MutexMessage,
  type MutexOutput,
  type MutexStateName,
  type PeerId,
  type RicartAgrawalaOptions,
} from './ricart-agrawala';
