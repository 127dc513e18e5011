import { systemNowMs } from './system-clock';

/**
 * A peer's physical clock, made wrong on purpose: the host's system time plus a fixed skew plus a drift that grows
 * with elapsed time, plus whatever synchronization applied. Every peer of a cluster on one machine reads the same
 * system clock (system-clock.ts: alike in every process to the microsecond), so each knows its true error at any
 * moment (`offsetFromSystemMs`), which is what lets a lab measure how well Cristian and Berkeley do. Readings have
 * sub-millisecond resolution (the monotonic clock), so errors of microseconds show.
 */
export interface VirtualClockOptions {
  /** Fixed offset from system time at start, in milliseconds (may be negative). */
  skewMs?: number;
  /** Rate error in parts per million: +100 gains 0.1 ms per second. */
  driftPpm?: number;
  /** The host's clock, in fractional Unix milliseconds: replaceable in tests. */
  systemNowMs?: () => number;
}

const ONE_HOUR_MS = 3_600_000;

export class VirtualClock {
  private readonly skewMs: number;
  private readonly driftPpm: number;
  private readonly systemNowMs: () => number;
  private readonly startedAtMs: number;
  private adjustedMs = 0;

  constructor(options: VirtualClockOptions = {}) {
    this.skewMs = options.skewMs ?? 0;
    this.driftPpm = options.driftPpm ?? 0;
    this.systemNowMs = options.systemNowMs ?? systemNowMs;
    this.startedAtMs = this.systemNowMs();
  }

  /** This clock now, in fractional Unix milliseconds. */
  nowMs(): number {
    const systemMs = this.systemNowMs();
    return systemMs + this.offsetAt(systemMs);
  }

  /** This clock now as a Date (millisecond precision, for timestamps in messages and logs). */
  now(): Date {
    return new Date(this.nowMs());
  }

  /** This clock minus the host's: the true error. */
  offsetFromSystemMs(): number {
    return this.offsetAt(this.systemNowMs());
  }

  /** Steps the clock by `adjustmentMs` (positive is forward). Real systems slew; a lab steps, to show the effect. */
  adjust(adjustmentMs: number): void {
    if (!(Math.abs(adjustmentMs) <= ONE_HOUR_MS)) throw new RangeError(`adjustment out of range: ${adjustmentMs} ms`);
    this.adjustedMs += adjustmentMs;
  }

  private offsetAt(systemMs: number): number {
    return this.skewMs + ((systemMs - this.startedAtMs) * this.driftPpm) / 1e6 + this.adjustedMs;
  }
}
