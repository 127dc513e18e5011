import type { Duration } from '@distlab/contracts/google/protobuf/duration';

/**
 * google.protobuf.Duration <-> milliseconds. Durations carry seconds as a decimal string (64-bit safe, from
 * ts-proto's forceLong=string) plus nanoseconds of the same sign.
 */

/** Milliseconds (fractional, nanosecond precision kept) of a Duration; `fallbackMs` when it is absent. */
export function durationToMs(duration: Duration | undefined, fallbackMs: number): number;
export function durationToMs(duration: Duration | undefined): number | undefined;
export function durationToMs(duration: Duration | undefined, fallbackMs?: number): number | undefined {
  if (duration === undefined) return fallbackMs;
  return Number(duration.seconds) * 1000 + duration.nanos / 1e6;
}

/** A Duration of `ms` milliseconds (may be fractional or negative). */
export function msToDuration(ms: number): Duration {
  const totalNanos = Math.round(ms * 1e6);
  const seconds = Math.trunc(totalNanos / 1e9);
  const nanos = totalNanos - seconds * 1e9;
  return { seconds: String(seconds), nanos };
}
