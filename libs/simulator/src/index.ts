/**
 * @distlab/simulator: runs the algorithm cores over a seeded simulated network with faults, and checks their
 * invariants from outside the processes. A seed replays a run exactly.
 */
export { SeededRandom } from './random';
export { EventQueue } from './event-queue';
export { SimNetwork, NO_FAULTS, type NetworkFaults } from './network';
export { simulateRicartAgrawala, type MutexSimulationOptions } from './mutex-simulation';
export { MAX_EVENTS_PER_RUN, type ReplayOptions, type SimulationResult } from './simulation-result';
export { simulateElection, type ElectionSimulationOptions } from './election-simulation';
export { simulateLogicalClocks, simulateBerkeley, type ClockSimulationOptions } from './clock-simulation';
export { RunRecorder } from './run-recorder';
export {
  CoreLoadError,
  loadClockCores,
  loadElectionCore,
  loadModule,
  loadMutexCore,
  type ClockCores,
} from './core-loader';
export {
  CHECKABLE_ALGORITHMS,
  drawRun,
  runSeed,
  sweep,
  type CheckableAlgorithm,
  type CoreUnderTest,
  type FailedSeed,
  type RunOptions,
  type SweepResult,
} from './core-check';
export { PLANTED_BUGS, type PlantedBug } from './planted-bugs/catalogue';
export { exploreMutex, DEFAULT_EXPLORE, type ExploreOptions, type ExploreResult } from './mutex-explorer';
export { cloneState, canonicalJson } from './state-clone';
export { STARTERS_DIR } from './starters';
