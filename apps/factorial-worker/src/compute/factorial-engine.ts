import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { FactorialArithmetic, FactorialTask, FactorialTaskResult } from './factorial-task';

/** From this n on, the work is split over two threads; below it, one task is faster than the hand-offs. */
const PARALLEL_FROM_N = 50_000;

/**
 * Computes n! in decimal on a pool of worker threads, off the event loop, so that health checks and small calls stay
 * fast while a big factorial runs.
 *
 * Theory of operation. Small n: one task computes the product tree and converts it. Large n: the factors are split
 * where the sum of their logarithms halves, so that both products have the same size, and two threads compute them
 * at once; one thread multiplies them and splits the result at 10^k, k half the digits, into a quotient and a
 * remainder; both threads then convert one part to decimal (the costliest step), and the parts are joined, the
 * remainder zero-padded to k digits. Aborting the signal (client cancelled, deadline passed) aborts every task of the
 * computation: piscina stops their threads and replaces them, so the pool is free again at once.
 */
export class FactorialEngine {
  private readonly pool: Piscina;
  private running = 0;

  private readonly parallelFromN: number;

  constructor(options: { threads?: number; parallelFromN?: number; arithmetic?: FactorialArithmetic } = {}) {
    this.parallelFromN = options.parallelFromN ?? PARALLEL_FROM_N;
    const threads = options.threads ?? Math.max(2, availableParallelism());
    this.pool = new Piscina({
      filename: join(__dirname, 'task-bootstrap.mjs'),
      workerData: { arithmetic: options.arithmetic ?? 'auto' },
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
    });
  }

  /** Computations in progress. */
  get activeComputations(): number {
    return this.running;
  }

  /** The GMP the pool's threads compute with: 'system-gmp' or 'gmp-wasm' (loading it if no task has yet). */
  async arithmetic(): Promise<string> {
    return (await this.pool.run({ kind: 'arithmetic' } satisfies FactorialTask)) as string;
  }

  async factorial(n: number, signal: AbortSignal): Promise<string> {
    this.running += 1;
    try {
      if (n < this.parallelFromN) return (await this.run({ kind: 'whole', n }, signal)) as string;
      const split = balancedSplit(n);
      const [aHex, bHex] = (await Promise.all([
        this.run({ kind: 'product', lo: 1, hi: split }, signal),
        this.run({ kind: 'product', lo: split + 1, hi: n }, signal),
      ])) as [string, string];
      const splitDigits = Math.max(1, Math.floor(estimateDigits(n) / 2));
      const parts = (await this.run({ kind: 'combine-split', aHex, bHex, splitDigits }, signal)) as {
        quotientHex: string;
        remainderHex: string;
      };
      const [high, low] = (await Promise.all([
        this.run({ kind: 'decimal', hex: parts.quotientHex, padTo: 0 }, signal),
        this.run({ kind: 'decimal', hex: parts.remainderHex, padTo: splitDigits }, signal),
      ])) as [string, string];
      return high === '0' ? low.replace(/^0+(?=\d)/, '') : high + low;
    } finally {
      this.running -= 1;
    }
  }

  async close(): Promise<void> {
    await this.pool.close({ force: true });
  }

  private run(task: FactorialTask, signal: AbortSignal): Promise<FactorialTaskResult> {
    return this.pool.run(task, { signal }) as Promise<FactorialTaskResult>;
  }
}

/** The m at which log(1·2·…·m) is half of log(n!): both halves of the product then have about the same size. */
export function balancedSplit(n: number): number {
  const half = lnFactorial(n) / 2;
  let low = 1;
  let high = n;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (lnFactorial(middle) < half) low = middle + 1;
    else high = middle;
  }
  return Math.min(low, n - 1);
}

/** The number of decimal digits of n!, from Stirling's series (exact except within 1e-9 of a power of ten). */
export function estimateDigits(n: number): number {
  return n < 2 ? 1 : Math.floor(lnFactorial(n) / Math.LN10) + 1;
}

/** ln(n!) by Stirling's series; exact summation below 256, where the series is least accurate. */
function lnFactorial(n: number): number {
  if (n < 256) {
    let sum = 0;
    for (let factor = 2; factor <= n; factor += 1) sum += Math.log(factor);
    return sum;
  }
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n) - 1 / (360 * n ** 3);
}
