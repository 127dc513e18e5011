import type { RunRecorder } from './run-recorder';

/** What one simulated run found: violations of the algorithm's invariants, and what it cost. */
export interface SimulationResult {
  algorithm: string;
  seed: number;
  /** Whether faults were injected (delay, loss, duplication, partitions, crashes). */
  faults: boolean;
  /** Every invariant violation, each naming the time and the processes involved. Empty means the run passed. */
  violations: string[];
  /** Operations completed (critical-section entries, elections, clock rounds). */
  operations: number;
  /** Messages sent by the algorithm (retransmissions excluded). */
  messages: number;
  /** Inputs fed to the cores in all (where the simulation counts them): the run's length in steps. */
  steps?: number;
  /**
   * The step at which the first violation happened, where it can be pinned to one: a replay cut to this many steps
   * (`maxSteps`) breaks the same invariant, and no shorter prefix of the run does. Absent for liveness violations,
   * which only the whole run can show.
   */
  violationStep?: number;
}

/** The options every core simulation shares, for replaying and drawing one run. */
export interface ReplayOptions {
  /** Stops the run after this many steps (inputs fed to cores): safety is then checked on the prefix alone. */
  maxSteps?: number;
  /** Receives the run as event records, for the space-time diagram. */
  recorder?: RunRecorder;
}

/** The largest number of simulated events one run may process: every run is bounded. */
export const MAX_EVENTS_PER_RUN = 2_000_000;
