import {
  berkeleyRound,
  incrementVector,
  type BerkeleyAverager,
  type LamportClockCore,
  type VectorClockRules,
} from '@distlab/clock';

/** The clock cores with one thing wrong each (see mutex-bugs.ts for why). */

/** A Lamport clock that counts on at a receive without first taking the larger of the two times. */
export class LamportReceiveWithoutMax implements LamportClockCore {
  private counter = 0;

  get time(): number {
    return this.counter;
  }

  tick(): number {
    this.counter += 1;
    return this.counter;
  }

  receive(): number {
    this.counter += 1;
    return this.counter;
  }
}

/** Vector clocks whose receive counts the event but never merges the sender's entries. */
export const VECTOR_RECEIVE_WITHOUT_MERGE: VectorClockRules = {
  incrementVector,
  receiveVector: (local, _remote, peerId) => incrementVector(local, peerId),
};

/** Berkeley's master tells every process to move the wrong way (offset − average instead of average − offset). */
export const berkeleyWrongSign: BerkeleyAverager = (readings, maxDeviationMs) => {
  const round = berkeleyRound(readings, maxDeviationMs);
  return {
    ...round,
    masterAdjustmentMs: -round.masterAdjustmentMs,
    adjustments: round.adjustments.map((adjustment) => ({ ...adjustment, adjustmentMs: -adjustment.adjustmentMs })),
  };
};
