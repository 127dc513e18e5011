import type { LeaderElectionCoreFactory } from '@distlab/election';
import type { MutexCoreFactory } from '@distlab/mutex';
import { renderTraceHtml, type TraceEvent } from '@distlab/trace';
import { simulateBerkeley, simulateLogicalClocks } from './clock-simulation';
import type { ClockCores } from './core-loader';
import { simulateElection } from './election-simulation';
import { simulateRicartAgrawala } from './mutex-simulation';
import { RunRecorder } from './run-recorder';
import type { SimulationResult } from './simulation-result';

/** The algorithms a core can be checked as; `lamport` and `vector` share one simulation, each checked on its own. */
export const CHECKABLE_ALGORITHMS = ['ricart-agrawala', 'bully', 'ring', 'lamport', 'vector', 'berkeley'] as const;
export type CheckableAlgorithm = (typeof CHECKABLE_ALGORITHMS)[number];

/** The core under test: whichever part the algorithm needs; the reference stands in for any part left out. */
export interface CoreUnderTest {
  mutex?: MutexCoreFactory;
  election?: LeaderElectionCoreFactory;
  clocks?: ClockCores;
}

export interface RunOptions {
  faults: boolean;
  core?: CoreUnderTest;
  maxSteps?: number;
  recorder?: RunRecorder;
  trace?: (line: string) => void;
}

/** One seeded run of `algorithm` with the given core. */
export function runSeed(algorithm: CheckableAlgorithm, seed: number, options: RunOptions): SimulationResult {
  const { faults, core, maxSteps, recorder, trace } = options;
  switch (algorithm) {
    case 'ricart-agrawala':
      return simulateRicartAgrawala(seed, { faults, makeCore: core?.mutex, maxSteps, recorder, trace });
    case 'bully':
    case 'ring':
      return simulateElection(seed, { algorithm, faults, makeCore: core?.election, maxSteps, recorder, trace });
    case 'lamport':
    case 'vector': {
      const clocks = core?.clocks;
      const result = simulateLogicalClocks(seed, {
        faults,
        recorder,
        createLamportClock: algorithm === 'lamport' ? clocks?.createLamportClock : undefined,
        vector: algorithm === 'vector' ? clocks?.vector : undefined,
      });
      const prefix = algorithm === 'lamport' ? 'Lamport' : 'vector';
      return { ...result, algorithm, violations: result.violations.filter((line) => line.startsWith(prefix)) };
    }
    case 'berkeley':
      return simulateBerkeley(seed, { faults, berkeleyRound: core?.clocks?.berkeleyRound });
  }
}

/** The first failing seed of a sweep, cut to the shortest prefix of steps that still breaks the invariant. */
export interface FailedSeed {
  seed: number;
  /** The first violation, naming the invariant. */
  violation: string;
  /** Steps of the whole run. */
  steps?: number;
  /** The shortest prefix of steps that breaks the invariant (absent when only the whole run shows it: liveness). */
  prefixSteps?: number;
}

export interface SweepResult {
  runs: number;
  failures: number;
  operations: number;
  messages: number;
  /** The first failing seed, shrunk. */
  first?: FailedSeed;
}

/**
 * Runs seeds `firstSeed …` until `seeds` have run (or, with `stopAtFirst`, until one fails) and shrinks the first
 * failure: a run's first safety violation is pinned to the step that caused it, and the step count is bisected
 * below it by replaying the seed cut to fewer steps, so the prefix printed is the shortest that fails (one step
 * fewer passes).
 */
export function sweep(
  algorithm: CheckableAlgorithm,
  options: RunOptions & { firstSeed: number; seeds: number; stopAtFirst?: boolean },
): SweepResult {
  const result: SweepResult = { runs: 0, failures: 0, operations: 0, messages: 0 };
  for (let seed = options.firstSeed; seed < options.firstSeed + options.seeds; seed += 1) {
    const run = runSeed(algorithm, seed, { faults: options.faults, core: options.core });
    result.runs += 1;
    result.operations += run.operations;
    result.messages += run.messages;
    if (run.violations.length === 0) continue;
    result.failures += 1;
    result.first ??= shrink(algorithm, run, options);
    if (options.stopAtFirst) break;
  }
  return result;
}

function shrink(algorithm: CheckableAlgorithm, run: SimulationResult, options: RunOptions): FailedSeed {
  const failed: FailedSeed = { seed: run.seed, violation: run.violations[0], steps: run.steps };
  if (run.violationStep === undefined) return failed;
  const replay = (maxSteps: number) => runSeed(algorithm, run.seed, { ...options, maxSteps });
  // The same seed draws the same faults and workload, so a prefix replays exactly, and a safety violation found in a
  // prefix stays in every longer one: bisect between a prefix that passes (none) and one that fails.
  let passing = 0;
  let failing = run.violationStep;
  let violation = replay(failing).violations[0];
  if (violation === undefined) throw new Error(`simulator bug: seed ${run.seed} cut to ${failing} steps passed`);
  while (failing - passing > 1) {
    const middle = Math.floor((passing + failing) / 2);
    const found = replay(middle).violations[0];
    if (found === undefined) passing = middle;
    else [failing, violation] = [middle, found];
  }
  return { ...failed, violation, prefixSteps: failing };
}

/** A replay of one seed (cut to `maxSteps` when given) as event records and as the diagram page, violation marked. */
export function drawRun(
  algorithm: CheckableAlgorithm,
  seed: number,
  options: RunOptions,
): { result: SimulationResult; events: TraceEvent[]; html: string } {
  const recorder = new RunRecorder(algorithm);
  const result = runSeed(algorithm, seed, { ...options, recorder });
  const verdict = result.violations.length === 0 ? 'PASS' : `FAIL: ${result.violations[0]}`;
  const steps = options.maxSteps === undefined ? '' : `, first ${options.maxSteps} steps`;
  const title = `${algorithm} seed ${seed}${steps} (${options.faults ? 'faults' : 'no faults'}): ${verdict}`;
  return { result, events: recorder.events, html: renderTraceHtml(recorder.events, title) };
}
