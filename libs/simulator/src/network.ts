import type { EventQueue } from './event-queue';
import type { SeededRandom } from './random';

/** The fault settings of one run, all drawn from its seed. */
export interface NetworkFaults {
  delayMinMs: number;
  delayMaxMs: number;
  /** Chance that a transmission is lost (a reliable send is then retransmitted). */
  lossRate: number;
  /** Chance that a message is delivered twice. */
  duplicateRate: number;
  retransmitAfterMs: number;
}

export const NO_FAULTS: NetworkFaults = {
  delayMinMs: 1,
  delayMaxMs: 1,
  lossRate: 0,
  duplicateRate: 0,
  retransmitAfterMs: 10,
};

/**
 * A simulated network between numbered nodes. Delays are random within bounds, so messages are reordered; a
 * transmission may be lost or duplicated; links may be cut (`partition`, one-way or both ways) and restored (`heal`);
 * a crashed node receives nothing. Two kinds of send:
 * - `sendReliable`: at-least-once, like a transport that retries: a lost or blocked transmission is retried until it
 *   arrives (or the sender gives up because the receiver left), so it may arrive late or twice;
 * - `sendOnce`: one attempt, like an RPC: if it cannot arrive, the sender is told after `failAfterMs`.
 */
export class SimNetwork {
  private readonly blocked = new Set<string>();
  readonly crashed = new Set<number>();
  sent = 0;

  constructor(
    private readonly queue: EventQueue,
    private readonly random: SeededRandom,
    private faults: NetworkFaults,
  ) {}

  partition(from: readonly number[], to: readonly number[], oneWay = false): void {
    for (const a of from) {
      for (const b of to) {
        this.blocked.add(`${a}>${b}`);
        if (!oneWay) this.blocked.add(`${b}>${a}`);
      }
    }
  }

  /** Ends every fault: links restored, no more loss or duplication (delays stay). */
  heal(): void {
    this.blocked.clear();
    this.faults = { ...this.faults, lossRate: 0, duplicateRate: 0 };
  }

  reachable(from: number, to: number): boolean {
    return !this.crashed.has(to) && !this.blocked.has(`${from}>${to}`);
  }

  sendReliable(from: number, to: number, deliver: () => void, stillWanted: () => boolean = () => true): void {
    this.sent += 1;
    const attempt = () => {
      if (!stillWanted()) return;
      if (!this.reachable(from, to) || this.random.chance(this.faults.lossRate)) {
        this.queue.after(this.faults.retransmitAfterMs, attempt);
        return;
      }
      const retry = () => this.queue.after(this.faults.retransmitAfterMs, attempt);
      this.deliverAfterDelay(from, to, deliver, retry);
      if (this.random.chance(this.faults.duplicateRate)) this.deliverAfterDelay(from, to, deliver, () => undefined);
    };
    attempt();
  }

  sendOnce(from: number, to: number, deliver: () => void, failed: () => void, failAfterMs: number): void {
    this.sent += 1;
    if (!this.reachable(from, to) || this.random.chance(this.faults.lossRate)) {
      this.queue.after(failAfterMs, failed);
      return;
    }
    this.deliverAfterDelay(from, to, deliver, () => this.queue.after(failAfterMs, failed));
  }

  /** Delivers after a random delay, checking the link again on arrival (it may have been cut meanwhile). */
  private deliverAfterDelay(from: number, to: number, deliver: () => void, blocked: () => void): void {
    const delay = this.random.int(this.faults.delayMinMs, this.faults.delayMaxMs);
    this.queue.after(delay, () => (this.reachable(from, to) ? deliver() : blocked()));
  }
}
