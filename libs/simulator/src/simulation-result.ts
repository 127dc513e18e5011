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
}

/** The largest number of simulated events one run may process: every run is bounded. */
export const MAX_EVENTS_PER_RUN = 2_000_000;
