/**
 * The host's clock as every process of a lab on one machine reads it alike, to the microsecond: the truth that
 * virtual clocks are wrong against and that Cristian's and Berkeley's errors are measured against.
 *
 * Theory of operation. `performance.timeOrigin + performance.now()` is not that clock. Each Node process pairs its
 * monotonic clock with the wall clock once, at start-up, in two reads one after the other, and a process descheduled
 * between them (a busy machine, a VM whose CPU is taken away for milliseconds) keeps the gap in its wall time for its
 * whole life. Seen on the lab's machine: gaps of 2–6 ms between two adjacent clock reads, and one of five peers
 * started together reading the system clock 8 ms ahead of the others. Against such a truth a synchronization that
 * left two clocks 0.2 ms apart is judged 8 ms wrong: that failed the Berkeley and Cristian checks now and then.
 *
 * So the truth is built from two clocks that are the same in every process: the machine's monotonic clock
 * (`process.hrtime`, CLOCK_MONOTONIC on Linux, one for the whole machine) and the wall clock's offset from it, the
 * epoch. `Date.now()` shows the wall clock in whole milliseconds, so the epoch can be read exactly where it steps to
 * the next one: the step to millisecond D happened after the last read that showed D − 1 began and before the first
 * read that showed D ended, so the epoch lies in [D − that end, D − that beginning] on the monotonic clock. Each
 * step gives such an interval; the epoch lies in all of them, so their intersection is kept. A read that was
 * preempted gives a wide interval, which the others narrow. Reading stops when the interval is narrow enough, after
 * enough steps, or at a time limit (a busy machine); it always holds at least one step, or at worst the millisecond
 * that `Date.now()` showed.
 *
 * The epoch is found once per process: a later step of the wall clock (an NTP correction) is not followed, as
 * `performance.timeOrigin` does not follow it either; processes started on either side of such a step disagree by it.
 */

/** Where the wall clock stands from the monotonic clock, with how sure that is. */
export interface Epoch {
  /** Wall clock minus monotonic clock, in milliseconds: the middle of the interval the steps left. */
  epochMs: number;
  /** Half the width of that interval: the epoch is within ±this of the truth. */
  uncertaintyMs: number;
  /** How many millisecond steps of the wall clock were read. */
  steps: number;
}

export interface FindEpochOptions {
  /** The wall clock in whole milliseconds (`Date.now`). */
  wallMs: () => number;
  /** The machine's monotonic clock in fractional milliseconds. */
  monotonicMs: () => number;
  /** Stop once the epoch is known to within ±this, after at least MIN_STEPS steps. */
  narrowEnoughMs?: number;
  /** Stop after this many steps whatever the width. */
  maxSteps?: number;
  /** Stop after this long on the monotonic clock, whatever the width (the steps read so far count). */
  limitMs?: number;
}

const MIN_STEPS = 3;

/** Finds the epoch from the wall clock's millisecond steps; see the theory of operation above. */
export function findEpoch(options: FindEpochOptions): Epoch {
  const { wallMs, monotonicMs } = options;
  const narrowEnoughMs = options.narrowEnoughMs ?? 0.001;
  const maxSteps = options.maxSteps ?? 12;
  const stopAt = monotonicMs() + (options.limitMs ?? 200);
  let low = -Infinity;
  let high = Infinity;
  let steps = 0;
  let previousBegan = monotonicMs();
  let previousWall = wallMs();
  for (;;) {
    const began = monotonicMs();
    const wall = wallMs();
    const ended = monotonicMs();
    // A jump of more than one millisecond means a read in between was missed (preempted): no step to read there.
    if (wall === previousWall + 1) {
      low = Math.max(low, wall - ended);
      high = Math.min(high, wall - previousBegan);
      steps += 1;
    }
    previousBegan = began;
    previousWall = wall;
    const narrow = steps >= MIN_STEPS && (high - low) / 2 <= narrowEnoughMs;
    if (narrow || steps >= maxSteps || (ended >= stopAt && steps > 0)) break;
    if (ended >= stopAt) {
      // Not one step read in time (a machine too busy to run this loop): the millisecond shown bounds the epoch.
      low = wall - ended;
      high = wall + 1 - began;
      break;
    }
  }
  return { epochMs: (low + high) / 2, uncertaintyMs: (high - low) / 2, steps };
}

/** The machine's monotonic clock, in fractional milliseconds. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

let processEpoch: Epoch | undefined;

/** This process's epoch, found at the first call (a few milliseconds of reading the clocks) and kept. */
export function systemEpoch(): Epoch {
  processEpoch ??= findEpoch({ wallMs: Date.now, monotonicMs });
  return processEpoch;
}

/** The host's clock in fractional Unix milliseconds, the same in every process on this machine. */
export function systemNowMs(): number {
  return systemEpoch().epochMs + monotonicMs();
}
