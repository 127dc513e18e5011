import { Code, StatusError } from './status';

/** What a StreamSlots bounds, and how its refusals read. */
export interface StreamSlotLimits {
  /** Streams open at once, from every client together. */
  total: number;
  /** Streams open at once from one client (its host: clientHostOf). */
  perClient: number;
  /** What a slot holds, plural, for the refusals: "event watchers". */
  what: string;
  /** What the refused client can do instead, for the refusals: "read the log with ListEvents". */
  instead: string;
}

/**
 * Slots for long-lived streams (watches), bounded in total and per client. Each open stream costs the server work for
 * as long as it lasts (a copy of every event, a look at the state every interval), so the total is bounded; and
 * without a bound per client, one client could take every slot and leave none for anyone else: a service disabled for
 * all by one client's input. A refusal is RESOURCE_EXHAUSTED, saying which bound and what to do instead.
 */
export class StreamSlots {
  private readonly byClient = new Map<string, number>();
  private openCount = 0;

  constructor(private readonly limits: StreamSlotLimits) {}

  /** Streams open now. */
  get open(): number {
    return this.openCount;
  }

  /** Takes a slot for `client` or throws RESOURCE_EXHAUSTED; returns the slot's release, which may be called again. */
  take(client: string): () => void {
    const { total, perClient, what, instead } = this.limits;
    const held = this.byClient.get(client) ?? 0;
    if (held >= perClient)
      throw new StatusError(
        Code.RESOURCE_EXHAUSTED,
        `${client} already has ${perClient} ${what} open here, the most one client may: close one, or ${instead}`,
      );
    if (this.openCount >= total)
      throw new StatusError(
        Code.RESOURCE_EXHAUSTED,
        `this server already has ${total} ${what}: close one, or ${instead}`,
      );
    this.byClient.set(client, held + 1);
    this.openCount += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.openCount -= 1;
      const left = (this.byClient.get(client) ?? 1) - 1;
      if (left === 0) this.byClient.delete(client);
      else this.byClient.set(client, left);
    };
  }
}
