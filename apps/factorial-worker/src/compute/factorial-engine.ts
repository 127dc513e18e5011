import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { FactorialArithmetic, FactorialTask, FactorialTaskResult, SplitMessage } from './factorial-task';
import { transferablesOf, type HandedNumber } from './handed-number';

/** From this n on, the conversion is split over two threads; below it, one task is faster than the hand-offs. */
const PARALLEL_FROM_N = 50_000;
/**
 * Below this n a computation takes a few milliseconds at most (20,000! has 77,338 digits): aborting it would cost
 * far more than letting it finish (see runToEnd).
 */
const ABORTABLE_FROM_N = 20_000;
/**
 * The share of the digits in the low part of the split. Half: the threads finish together (230–250 ms of thread CPU
 * each for 10⁶!). With 55%, the high part (streamed first) was ready about 70 ms earlier and streamed on the core it
 * freed, but the low part's conversion grew to 250–290 ms: about even where streaming is bound by CPU, so the simpler
 * split stays. Where it is bound by latency (a busy machine), more than half would pay.
 */
const LOW_PART_SHARE = 0.5;

/** A run of n!'s decimal digits, high parts first; their concatenation is n!. */
export interface DecimalPart {
  readonly digits: string;
  /** The digit count of the whole n!, known from the first part on. */
  readonly totalDigits: number;
}

/**
 * Computes n! in decimal on a pool of worker threads, off the event loop, so that health checks and small calls stay
 * fast while a big factorial runs.
 *
 * Theory of operation. Small n: one task computes n! (GMP's mpz_fac_ui) and converts it. Large n: decimal conversion
 * is nine tenths of the work, so it is what two threads share: one task computes n! and splits it at 10^k into a
 * quotient and a remainder (the same first step as GMP's own divide-and-conquer conversion), hands the remainder to
 * the other thread and converts the quotient itself; the other thread, idle until then, has meanwhile computed 10^k
 * for it. The parts are yielded high first, the remainder zero-padded to k digits, so that a stream can send the
 * high digits while the low ones may still be converting. Aborting the signal (client cancelled,
 * deadline passed) aborts every task of a large computation: piscina stops their threads and replaces them, so the
 * pool is free again at once; a small one is left to finish, its result unused (runToEnd).
 */
export class FactorialEngine {
  private readonly pool: Piscina;
  private running = 0;

  private readonly parallelFromN: number;
  private readonly lowPartShare: number;

  constructor(
    options: { threads?: number; parallelFromN?: number; lowPartShare?: number; arithmetic?: FactorialArithmetic } = {},
  ) {
    this.parallelFromN = options.parallelFromN ?? PARALLEL_FROM_N;
    this.lowPartShare = options.lowPartShare ?? LOW_PART_SHARE;
    const threads = options.threads ?? Math.max(2, availableParallelism());
    this.pool = new Piscina({
      filename: join(__dirname, 'task-bootstrap.mjs'),
      workerData: { arithmetic: options.arithmetic ?? 'auto' },
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      // Each thread loads its task through tsx (task-bootstrap.mjs), which transforms with esbuild's transformSync. By
      // default that starts a thread of esbuild's own with an esbuild process behind it, kept for the life of the pool
      // though used only at start: two per worker process, each waking 30–65 times a second at rest. Without threads,
      // esbuild runs once per transform and exits.
      env: { ...process.env, ESBUILD_WORKER_THREADS: '0' },
    });
  }

  /** Computations in progress. */
  get activeComputations(): number {
    return this.running;
  }

  /** The pool's thread ids, for diagnostics and tests: a thread replaced after an abort comes back with a new id. */
  get threadIds(): number[] {
    return this.pool.threads.map((thread) => thread.threadId).sort((a, b) => a - b);
  }

  /** The GMP the pool's threads compute with: 'system-gmp' or 'gmp-wasm' (loading it if no task has yet). */
  async arithmetic(): Promise<string> {
    return (await this.pool.run({ kind: 'arithmetic' } satisfies FactorialTask)) as string;
  }

  /** n! in decimal, whole. */
  async factorial(n: number, signal: AbortSignal): Promise<string> {
    let digits = '';
    for await (const part of this.decimalParts(n, signal)) digits += part.digits;
    return digits;
  }

  /** n! in decimal as parts, high first, each as soon as it is converted. */
  async *decimalParts(n: number, signal: AbortSignal): AsyncGenerator<DecimalPart> {
    this.running += 1;
    // Stops this computation's remaining tasks when the caller aborts or stops reading early.
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    try {
      if (n < this.parallelFromN) {
        const digits = (
          n < ABORTABLE_FROM_N
            ? await this.runToEnd({ kind: 'whole', n }, stop.signal)
            : await this.run({ kind: 'whole', n }, stop.signal)
        ) as string;
        yield { digits, totalDigits: digits.length };
        return;
      }
      const splitDigits = Math.max(1, Math.floor(estimateDigits(n) * this.lowPartShare));
      const { high, low } = this.convertSplit(n, splitDigits, stop.signal);
      // The low part may fail while the high one is awaited or streamed; it is awaited (and so reported) below.
      low.catch(() => undefined);
      const highDigits = await high;
      if (highDigits === '0') {
        const digits = (await low).replace(/^0+(?=\d)/, '');
        yield { digits, totalDigits: digits.length };
        return;
      }
      const totalDigits = highDigits.length + splitDigits;
      yield { digits: highDigits, totalDigits };
      yield { digits: await low, totalDigits };
    } finally {
      stop.abort();
      signal.removeEventListener('abort', onAbort);
      this.running -= 1;
    }
  }

  /**
   * Starts the two-thread conversion: one task computes n!, divides it by 10^splitDigits and converts the quotient;
   * the remainder comes back through a port mid-task and is converted by a second task, on the other thread. A third,
   * small task computes 10^splitDigits on that other thread while n! is computed, and hands it over the same way.
   * No task ever waits for another, so computations sharing the pool cannot deadlock.
   */
  private convertSplit(
    n: number,
    splitDigits: number,
    signal: AbortSignal,
  ): { high: Promise<string>; low: Promise<string> } {
    const { port1: ours, port2: theirs } = new MessageChannel();
    // Closed once the remainder is in, or the computation is aborted or fails: not when the splitting task returns,
    // since its result travels on another port and may overtake the remainder.
    const closePort = () => ours.close();
    const remainder = new Promise<HandedNumber>((resolve, reject) => {
      ours.on('message', (message: SplitMessage) => {
        if (!('remainder' in message)) return;
        closePort();
        resolve(message.remainder);
      });
      // Also after the splitting task has returned: its remainder may still be on the way, and must not be awaited.
      signal.addEventListener(
        'abort',
        () => {
          closePort();
          reject(signal.reason);
        },
        { once: true },
      );
    });
    void this.run({ kind: 'power-of-ten', exponent: splitDigits }, signal)
      .then((power) => ours.postMessage({ power } satisfies SplitMessage, transferablesOf(power as HandedNumber)))
      .catch(() => undefined); // Only a shortcut: the splitting task computes the power itself when it has none.
    const high = this.pool.run({ kind: 'split-convert-high', n, splitDigits, port: theirs } satisfies FactorialTask, {
      signal,
      transferList: [theirs],
    }) as Promise<string>;
    high.catch(closePort);
    const low = remainder.then(
      (number) =>
        this.pool.run({ kind: 'decimal', number, padTo: splitDigits } satisfies FactorialTask, {
          signal,
          transferList: transferablesOf(number),
        }) as Promise<string>,
    );
    return { high, low };
  }

  async close(): Promise<void> {
    await this.pool.close({ force: true });
  }

  private run(task: FactorialTask, signal: AbortSignal): Promise<FactorialTaskResult> {
    return this.pool.run(task, { signal }) as Promise<FactorialTaskResult>;
  }

  /**
   * A short task that is never aborted: the caller's abort rejects at once, and the task finishes on its thread with
   * its result thrown away. Aborting a running piscina task ends its thread and starts another, which took 1–3 s on a
   * busy machine while the worker answered nothing: every client that cancels small calls (h2load ends each run by
   * cancelling those in flight) would have stalled the worker for everyone else.
   */
  private runToEnd(task: FactorialTask, signal: AbortSignal): Promise<FactorialTaskResult> {
    signal.throwIfAborted();
    const result = this.pool.run(task) as Promise<FactorialTaskResult>;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      result.then(
        (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
        (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
      );
    });
  }
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
