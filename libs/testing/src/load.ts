import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * A closed-loop load generator for benchmarks: `concurrency` calls in flight, spread over worker threads (a grpc-js
 * client spends more CPU per call than the server, so one thread would measure mostly itself), each loop bounded by a
 * duration and a count. The operation comes from a module that exports `createOperation(target, seed)`.
 */
export interface LoadSpec {
  /** Absolute path of a module exporting `createOperation(target: string, seed: number): () => Promise<void>`. */
  module: string;
  target: string;
  concurrency: number;
  durationMs: number;
  /** Upper bound on calls per loop, whatever the duration. */
  maxCallsPerLoop?: number;
  threads?: number;
  seed?: number;
}

export interface LoadResult {
  calls: number;
  errors: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  firstError?: string;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const threads = Math.max(1, Math.min(spec.threads ?? availableParallelism(), spec.concurrency));
  const shares = Array.from(
    { length: threads },
    (_, index) => Math.floor(spec.concurrency / threads) + (index < spec.concurrency % threads ? 1 : 0),
  );
  const workers = shares.map(
    (loops, index) =>
      new Worker(require.resolve('./load-worker-bootstrap.mjs'), {
        workerData: {
          ...spec,
          loops,
          seed: (spec.seed ?? 1) * 1000 + index,
          maxCallsPerLoop: spec.maxCallsPerLoop ?? 1_000_000,
        },
      }),
  );
  const nextMessage = <T>(worker: Worker) =>
    new Promise<T>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  // Workers load, connect and warm up first; the clock starts when all of them are told to start together.
  await Promise.all(workers.map((worker) => nextMessage<{ ready: true }>(worker)));
  const results = workers.map((worker) => nextMessage<WorkerOutcome>(worker));
  const startedAt = performance.now();
  workers.forEach((worker) => worker.postMessage('start'));
  const outcomes = await Promise.all(results);
  const elapsedS = (performance.now() - startedAt) / 1000;
  const latencies = Float64Array.from(outcomes.flatMap((outcome) => Array.from(outcome.latenciesMs))).sort();
  const calls = latencies.length;
  return {
    calls,
    errors: outcomes.reduce((sum, outcome) => sum + outcome.errors, 0),
    callsPerSecond: calls / elapsedS,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    firstError: outcomes.find((outcome) => outcome.firstError !== undefined)?.firstError,
  };
}

interface WorkerOutcome {
  latenciesMs: Float64Array;
  errors: number;
  firstError?: string;
}

/** The value below which a fraction `q` of the sorted samples fall (nearest rank). */
export function percentile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** A plain text table: a header row, then rows; numbers right-aligned. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  return cells
    .map((row, rowIndex) =>
      row
        .map((cell, column) =>
          rowIndex > 0 && typeof rows[rowIndex - 1][column] === 'number'
            ? cell.padStart(widths[column])
            : cell.padEnd(widths[column]),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A small deterministic PRNG (mulberry32) for reproducible operation mixes. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
