// Rounds that alternate between the anchor and distlab, and the arithmetic on their figures. The order flips every
// round (anchor first, then distlab first, ...) so that a machine getting slower or faster through the run does not
// favour whichever side always goes second.

import type { RoundFigures } from './anchor-row';

/** Measures both sides `rounds` times, alternating which goes first, and returns every round's figure. */
export async function alternateRounds(
  rounds: number,
  measure: { anchor: () => Promise<number>; distlab: () => Promise<number> },
): Promise<RoundFigures> {
  const figures: RoundFigures = { anchor: [], distlab: [] };
  for (let round = 0; round < rounds; round += 1) {
    if (round % 2 === 0) {
      figures.anchor.push(await measure.anchor());
      figures.distlab.push(await measure.distlab());
    } else {
      figures.distlab.push(await measure.distlab());
      figures.anchor.push(await measure.anchor());
    }
  }
  return figures;
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** distlab ÷ anchor for each round, in round order: the spread a reader needs beside the medians. */
export function perRoundRatios(figures: RoundFigures): number[] {
  return figures.distlab.map((value, round) => value / figures.anchor[round]);
}

/** "0.94×" */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** "5.12k calls/s", "812 ops/s" */
export function formatRate(perSecond: number, unit: string): string {
  return perSecond >= 10_000
    ? `${(perSecond / 1000).toFixed(1)}k ${unit}`
    : perSecond >= 1000
      ? `${(perSecond / 1000).toFixed(2)}k ${unit}`
      : `${perSecond.toFixed(0)} ${unit}`;
}

/** "1.42 ms", "0.83 s" */
export function formatDuration(milliseconds: number): string {
  return milliseconds >= 1000 ? `${(milliseconds / 1000).toFixed(2)} s` : `${milliseconds.toFixed(2)} ms`;
}

/** "rounds: 0.91× 0.97× 1.02×": each round's ratio, for the line under the table. */
export function describeRounds(figures: RoundFigures): string {
  return `rounds: ${perRoundRatios(figures).map(formatRatio).join(' ')}`;
}
