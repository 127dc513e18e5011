// nx bench simulator
// The exhaustive search's cost on this machine, beside an anchor measured in the same run: a sweep of 500 seeded
// faulty simulations of the same algorithm. Rows: the reference searched to the end (3 processes, each entering
// once, every delivery order), the same with one crash-and-restart anywhere (to a depth bound), and planted bugs
// searched until their shortest counterexample. Each row is the median of three runs.
import { exploreMutex, type ExploreOptions, type ExploreResult } from '../src/mutex-explorer';
import { ForgetsDeferredOnExit, NeverDefers } from '../src/planted-bugs/mutex-bugs';
import { sweep } from '../src/core-check';

const RUNS = 3;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

function timed<T>(work: () => T): { result: T; ms: number } {
  const times: number[] = [];
  let result: T | undefined;
  for (let run = 0; run < RUNS; run += 1) {
    const startedAt = performance.now();
    result = work();
    times.push(performance.now() - startedAt);
  }
  return { result: result as T, ms: median(times) };
}

const rows: string[][] = [];
const anchor = timed(() => sweep('ricart-agrawala', { faults: true, firstSeed: 1, seeds: 500 }));
rows.push([
  'anchor: 500 seeded faulty runs',
  `${anchor.result.runs} runs`,
  anchor.result.failures === 0 ? 'pass' : 'FAIL',
  `${anchor.ms.toFixed(0)} ms`,
  '1.0×',
]);

const cases: Array<[string, Partial<ExploreOptions>]> = [
  ['reference, 3 processes, no crash', {}],
  ['reference, 3 processes, 1 crash, depth ≤ 8', { crashes: 1, maxDepth: 8 }],
  ['planted: ra-never-defers', { makeCore: (options) => new NeverDefers(options) }],
  ['planted: ra-forgets-deferred-replies-on-exit', { makeCore: (options) => new ForgetsDeferredOnExit(options) }],
];
for (const [name, options] of cases) {
  const { result, ms } = timed<ExploreResult>(() => exploreMutex(options));
  const verdict = result.counterexample
    ? `caught in ${result.counterexample.path.length} events`
    : result.exhaustive
      ? 'no violation (exhaustive)'
      : 'no violation within the bound';
  rows.push([
    name,
    `${result.statesExplored} states`,
    verdict,
    `${ms.toFixed(0)} ms`,
    `${(ms / anchor.ms).toFixed(2)}×`,
  ]);
}

const header = ['ricart-agrawala --explore', 'explored', 'verdict', 'time (median of 3)', 'vs anchor'];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ');
process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n`);
