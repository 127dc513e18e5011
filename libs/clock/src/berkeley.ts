import { cristianEstimate, type CristianSample } from './cristian';

/**
 * Berkeley's algorithm: a master averages everyone's clock and tells each process how far to move.
 *
 * Theory of operation. The master polls every process for its time, correcting each reading for half its round trip
 * as Cristian does, which gives each process's offset from the master (the master's own offset is 0). Readings that
 * deviate from the median offset by more than `maxDeviationMs` are faulty clocks: they are left out of the average,
 * as the algorithm prescribes, so one wild clock cannot drag everyone. The average of the remaining offsets is the
 * agreed time; every process, the excluded ones too, is sent the adjustment that moves it there (average − its
 * offset), and the master applies its own (average − 0). Sending adjustments instead of a time means the message delay
 * does not matter. Each adjusted clock is then within its reading error (half its round trip) of the agreed time, so
 * two processes differ by at most twice the largest reading error, plus whatever drift accrues before the adjustments
 * land: `errorBoundMs` and `skewBoundMs` report those two bounds.
 */
export interface BerkeleyReading extends CristianSample {
  peerId: number;
}

export interface BerkeleyAdjustment {
  peerId: number;
  /** This process's offset from the master, as measured. */
  offsetMs: number;
  roundTripMs: number;
  /** Whether its reading counted in the average. */
  included: boolean;
  /** How far it must move its clock: positive is forward. */
  adjustmentMs: number;
}

export interface BerkeleyRound {
  /** The agreed time as an offset from the master's clock. */
  averageOffsetMs: number;
  /** How far the master moves its own clock. */
  masterAdjustmentMs: number;
  adjustments: BerkeleyAdjustment[];
  /** The largest half round trip of any reading: each adjusted clock is within this of the agreed time. */
  errorBoundMs: number;
  /** Any two clocks are within this of each other after the round (twice errorBoundMs). */
  skewBoundMs: number;
}

export function berkeleyRound(readings: readonly BerkeleyReading[], maxDeviationMs: number): BerkeleyRound {
  if (!(maxDeviationMs >= 0)) throw new RangeError(`maxDeviationMs must be 0 or more, not ${maxDeviationMs}`);
  const measured = readings.map((reading) => ({ peerId: reading.peerId, ...cristianEstimate(reading) }));
  const offsets = [0, ...measured.map((entry) => entry.offsetMs)].sort((a, b) => a - b);
  const median =
    offsets.length % 2 === 1
      ? offsets[(offsets.length - 1) / 2]
      : (offsets[offsets.length / 2 - 1] + offsets[offsets.length / 2]) / 2;
  const counted = (offsetMs: number) => Math.abs(offsetMs - median) <= maxDeviationMs;
  const included = [0, ...measured.map((entry) => entry.offsetMs)].filter(counted);
  // The median itself always counts, so the average is never empty.
  const averageOffsetMs = included.reduce((sum, offset) => sum + offset, 0) / included.length;
  const adjustments = measured.map((entry) => ({
    peerId: entry.peerId,
    offsetMs: entry.offsetMs,
    roundTripMs: entry.roundTripMs,
    included: counted(entry.offsetMs),
    adjustmentMs: averageOffsetMs - entry.offsetMs,
  }));
  // Every process is adjusted, the excluded ones too, so every reading's error counts in the bound.
  const errorBoundMs = Math.max(0, ...measured.map((entry) => entry.errorBoundMs));
  return {
    averageOffsetMs,
    masterAdjustmentMs: averageOffsetMs,
    adjustments,
    errorBoundMs,
    skewBoundMs: 2 * errorBoundMs,
  };
}
