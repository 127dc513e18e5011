// Your clock cores, checked by
//   distlab simulate --algorithm lamport --core THIS_FILE
//   distlab simulate --algorithm vector --core THIS_FILE
//   distlab simulate --algorithm berkeley --core THIS_FILE
// The interfaces, with what each must guarantee, are in libs/clock/src/clock-core.ts. As written, every one of them is
// wrong, so the checks fail until you fill in every TODO.
import type { BerkeleyReading, BerkeleyRound, LamportClockCore, VectorClock } from '@distlab/clock';

class MyLamportClock implements LamportClockCore {
  time = 0;

  tick(): number {
    // TODO: a local event or a send: advance the clock and return the new stamp.
    return this.time;
  }

  receive(remoteTime: number): number {
    // TODO: take the larger of your time and remoteTime, then advance; return the receive's stamp.
    return remoteTime;
  }
}

export function createLamportClock(): LamportClockCore {
  return new MyLamportClock();
}

/** Vectors are immutable: return a new Map. A missing entry counts as 0. */
export function incrementVector(clock: VectorClock, peerId: number): VectorClock {
  // TODO: one more event of peerId.
  return new Map(clock).set(peerId, clock.get(peerId) ?? 0);
}

// (A parameter named with a leading underscore is one the skeleton does not use yet: drop the underscore when you do.)
export function receiveVector(local: VectorClock, _remote: VectorClock, peerId: number): VectorClock {
  // TODO: merge (entry-wise maximum with the remote stamp), then count the receive itself.
  return incrementVector(local, peerId);
}

export function berkeleyRound(readings: readonly BerkeleyReading[], _maxDeviationMs: number): BerkeleyRound {
  // TODO: estimate each process's offset from the master as Cristian does (serverTimeMs − the midpoint of sendMs and
  // receiveMs), leave out offsets further than maxDeviationMs from the median, average the rest (the master's own
  // offset, 0, included) and tell each process to move by (average − its offset); report the error bounds.
  return {
    averageOffsetMs: 0,
    masterAdjustmentMs: 0,
    adjustments: readings.map((reading) => ({
      peerId: reading.peerId,
      offsetMs: 0,
      roundTripMs: reading.receiveMs - reading.sendMs,
      included: true,
      adjustmentMs: 0,
    })),
    errorBoundMs: 0,
    skewBoundMs: 0,
  };
}
