import type { ServiceError } from '@grpc/grpc-js';
import { Code, serviceError } from '@distlab/grpc-kit';

/** The faults of one link (this peer to one other), as set through ChaosService or the --fault-* flags. */
export interface LinkFaultSettings {
  blocked: boolean;
  /** Messages wait until the link heals or HANG_LIMIT_MS passes, as on a cut cable. */
  hang: boolean;
  dropProbability: number;
  delayMs: number;
  jitterMs: number;
  duplicateProbability: number;
}

export const NO_FAULTS: LinkFaultSettings = {
  blocked: false,
  hang: false,
  dropProbability: 0,
  delayMs: 0,
  jitterMs: 0,
  duplicateProbability: 0,
};

const isClear = (faults: LinkFaultSettings) =>
  !faults.blocked &&
  !faults.hang &&
  faults.dropProbability === 0 &&
  faults.delayMs === 0 &&
  faults.jitterMs === 0 &&
  faults.duplicateProbability === 0;

/** How long a message waits on a hanging link before its sender gives up on it (a peer call's deadline). */
export const HANG_LIMIT_MS = 5_000;

/** What becomes of one message on its link: how many copies go (0: dropped), or that it hung until given up. */
export type Shaped = 0 | 1 | 2 | 'hung';

/**
 * This peer's injected faults: what happens to each outgoing message per link, and whether the peer is paused. The
 * links ask it before every send (`shape`); the server's pause interceptor and the links wait on it while paused.
 * Randomness comes from `random` (Math.random unless a test gives its own).
 */
export class FaultInjector {
  private readonly links = new Map<number, LinkFaultSettings>();
  private defaults: LinkFaultSettings;
  private pausedUntil: Promise<void> | undefined;
  private resumePause: (() => void) | undefined;
  private pauseTimer: NodeJS.Timeout | undefined;
  private held = 0;
  /** Wakes the messages waiting on hanging links when any link's faults change (they look again). */
  private linksChanged: { promise: Promise<void>; wake: () => void } = changeSignal();

  constructor(
    defaults: LinkFaultSettings = NO_FAULTS,
    private readonly random: () => number = Math.random,
  ) {
    this.defaults = defaults;
  }

  /** Sets the faults of the links to `peerIds`; clear settings remove them. */
  setLinks(peerIds: readonly number[], faults: LinkFaultSettings): void {
    for (const peerId of peerIds) {
      if (isClear(faults)) this.links.delete(peerId);
      else this.links.set(peerId, faults);
    }
    this.wakeHanging();
  }

  private wakeHanging(): void {
    const changed = this.linksChanged;
    this.linksChanged = changeSignal();
    changed.wake();
  }

  /** Every link with faults in force (explicit ones; the start-up defaults apply to the others). */
  describe(): Array<LinkFaultSettings & { toPeerId: number }> {
    return [...this.links].sort(([a], [b]) => a - b).map(([toPeerId, faults]) => ({ toPeerId, ...faults }));
  }

  get paused(): boolean {
    return this.pausedUntil !== undefined;
  }

  /** Pauses the peer, until resume() or for `durationMs`. */
  pause(durationMs?: number): void {
    if (this.pausedUntil === undefined) {
      this.held = 0;
      this.pausedUntil = new Promise((resolve) => (this.resumePause = resolve));
    }
    clearTimeout(this.pauseTimer);
    if (durationMs !== undefined) this.pauseTimer = setTimeout(() => this.resume(), durationMs).unref();
  }

  /** Ends a pause; returns how many calls and messages were held by it. */
  resume(): number {
    clearTimeout(this.pauseTimer);
    this.resumePause?.();
    this.pausedUntil = undefined;
    this.resumePause = undefined;
    return this.held;
  }

  heal(): void {
    this.links.clear();
    this.defaults = NO_FAULTS;
    this.resume();
    this.wakeHanging();
  }

  /** Resolves at once unless paused; then when the pause ends. */
  whenResumed(): Promise<void> {
    if (this.pausedUntil === undefined) return Promise.resolve();
    this.held += 1;
    return this.pausedUntil;
  }

  /** Whether a message to `to` goes as it is now: not paused, and no fault on its link (`shape` would wait for nothing). */
  isClear(to: number): boolean {
    return this.pausedUntil === undefined && isClear(this.links.get(to) ?? this.defaults);
  }

  /**
   * Applies the link's faults to one message to `to`: waits out a pause, a hanging link (until it heals, or
   * HANG_LIMIT_MS: 'hung') and the delay, then says how many copies to send (0: dropped or blocked, 2: duplicated).
   */
  async shape(to: number): Promise<Shaped> {
    await this.whenResumed();
    const hangUntilMs = performance.now() + HANG_LIMIT_MS;
    let faults = this.links.get(to) ?? this.defaults;
    while (faults.hang) {
      const leftMs = hangUntilMs - performance.now();
      if (leftMs <= 0) return 'hung';
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.linksChanged.promise,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, leftMs).unref())),
      ]);
      clearTimeout(timer);
      await this.whenResumed();
      faults = this.links.get(to) ?? this.defaults;
    }
    if (faults.blocked || (faults.dropProbability > 0 && this.random() < faults.dropProbability)) return 0;
    const waitMs = faults.delayMs + (faults.jitterMs > 0 ? this.random() * faults.jitterMs : 0);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    return faults.duplicateProbability > 0 && this.random() < faults.duplicateProbability ? 2 : 1;
  }
}

/** What a sender sees for a message the injected faults dropped: a lost message, as UNAVAILABLE. */
export function droppedMessageError(to: number): ServiceError {
  return serviceError(Code.UNAVAILABLE, `message to peer ${to} lost (fault injection)`);
}

/** What a sender sees for a message that waited on a hanging link until it gave up: a timeout, as over a cut cable. */
export function hungMessageError(to: number): ServiceError {
  return serviceError(
    Code.DEADLINE_EXCEEDED,
    `message to peer ${to} timed out after ${HANG_LIMIT_MS} ms: the link hangs (fault injection)`,
  );
}

function changeSignal(): { promise: Promise<void>; wake: () => void } {
  let wake = () => undefined as void;
  const promise = new Promise<void>((resolve) => (wake = resolve));
  return { promise, wake };
}
