/**
 * Simulated time: events ordered by time, ties broken by insertion order, so that a run is deterministic. Every run
 * is bounded: `runUntil` stops at a time limit and after a maximum number of events.
 */
export class EventQueue {
  nowMs = 0;
  private sequence = 0;
  private events: Array<{ atMs: number; sequence: number; action: () => void }> = [];
  processed = 0;

  at(atMs: number, action: () => void): void {
    const event = { atMs: Math.max(atMs, this.nowMs), sequence: this.sequence++, action };
    // Binary insertion keeps the queue sorted by (time, sequence).
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.events[middle];
      if (other.atMs < event.atMs || (other.atMs === event.atMs && other.sequence < event.sequence)) low = middle + 1;
      else high = middle;
    }
    this.events.splice(low, 0, event);
  }

  after(delayMs: number, action: () => void): void {
    this.at(this.nowMs + delayMs, action);
  }

  /** Drops every pending event: the run ends at once (a replay cut to a prefix of its steps). */
  clear(): void {
    this.events = [];
  }

  /** Runs events up to `untilMs` (inclusive) or until `maxEvents` have run in all; returns false if stopped by the cap. */
  runUntil(untilMs: number, maxEvents = 2_000_000): boolean {
    while (this.events.length > 0 && this.events[0].atMs <= untilMs) {
      if (this.processed >= maxEvents) return false;
      const event = this.events.shift();
      if (event === undefined) break;
      this.nowMs = event.atMs;
      this.processed += 1;
      event.action();
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
    return true;
  }
}
