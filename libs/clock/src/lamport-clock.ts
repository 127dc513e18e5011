import type { LamportClockCore } from './clock-core';

/**
 * Lamport's logical clock.
 *
 * Theory of operation. Each process keeps a counter. Before every local event and every send it increments the
 * counter and stamps the event (or message) with the new value; on receiving a message stamped t it sets the counter
 * to max(counter, t) and then increments it, stamping the receive. Hence if event a happened before event b (a → b:
 * same process and earlier, or a is the send of b's message, or transitively), then L(a) < L(b). The converse does not
 * hold: L(a) < L(b) says nothing about causality (vector clocks do). Ties between processes are broken by process id
 * when a total order is needed (as Ricart–Agrawala does).
 */
export class LamportClock implements LamportClockCore {
  private counter: number;

  constructor(start = 0) {
    if (!Number.isSafeInteger(start) || start < 0)
      throw new RangeError(`a Lamport clock starts at a natural number, not ${start}`);
    this.counter = start;
  }

  /** The current value (the stamp of the last event). */
  get time(): number {
    return this.counter;
  }

  /** A local event or a send: advances the clock and returns the event's stamp. */
  tick(): number {
    this.counter += 1;
    return this.counter;
  }

  /** A receive of a message stamped `remoteTime`: merges, advances, and returns the receive's stamp. */
  receive(remoteTime: number): number {
    if (!Number.isSafeInteger(remoteTime) || remoteTime < 0) throw new RangeError(`not a Lamport time: ${remoteTime}`);
    this.counter = Math.max(this.counter, remoteTime) + 1;
    return this.counter;
  }
}

/** Orders (time, process id) pairs totally: the order Ricart–Agrawala grants requests in. */
export function compareStamps(a: { time: number; peerId: number }, b: { time: number; peerId: number }): number {
  return a.time - b.time || a.peerId - b.peerId;
}
