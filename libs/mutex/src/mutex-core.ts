/** A process's id: a positive integer, unique in the cluster. */
export type PeerId = number;

/** What mutex cores send each other. */
export type MutexMessage =
  | { kind: 'request'; from: PeerId; timestamp: number; incarnation: number }
  | {
      kind: 'reply';
      from: PeerId;
      requestTimestamp: number;
      /** The incarnation of the request being granted: a restarted process reuses timestamps, never incarnations. */
      requesterIncarnation: number;
      incarnation: number;
      fencingTokenSeen: number;
    };

export type MutexInput =
  | { kind: 'acquire' }
  | { kind: 'release' }
  | { kind: 'receive'; message: MutexMessage }
  | { kind: 'member-joined'; peerId: PeerId }
  | { kind: 'member-left'; peerId: PeerId }
  | { kind: 'member-restarted'; peerId: PeerId; incarnation: number };

export type MutexOutput =
  | { kind: 'send'; to: PeerId; message: MutexMessage }
  | { kind: 'entered'; fencingToken: number; requestTimestamp: number }
  | { kind: 'exited'; fencingToken: number };

export type MutexStateName = 'released' | 'wanted' | 'held';

/**
 * The interface of a mutual-exclusion core: what the peer's driver and the simulator need from one, and all a student
 * needs to know to write their own. The reference, `RicartAgrawala`, implements it; `distlab simulate --core FILE`
 * and `distlab up --mutex-core FILE` run any other implementation in its place.
 *
 * A core is a state machine without I/O. The driver feeds it one input at a time and carries out what it returns:
 * - `{ kind: 'acquire' }` — the local process wants the critical section (only sent while `state` is `released`);
 * - `{ kind: 'release' }` — the local process leaves it (only sent while `state` is `held`);
 * - `{ kind: 'receive', message }` — a `MutexMessage` that another core sent; it may arrive late, out of order, or twice;
 * - `member-joined`, `member-left`, `member-restarted` — membership changes (a restarted peer lost all its state and
 *   comes back with a larger incarnation; whatever it promised before is void).
 * It returns the outputs of that step, in order:
 * - `{ kind: 'send', to, message }` — the driver delivers `message` to core `to` (retrying until it arrives or the
 *   receiver restarts: messages are never lost for ever, but may be reordered and duplicated);
 * - `{ kind: 'entered', fencingToken, requestTimestamp }` — this process is now in the critical section;
 * - `{ kind: 'exited', fencingToken }` — it has left it.
 *
 * What the checkers demand: at most one process between `entered` and `exited` at any time; every `acquire` is
 * eventually followed by `entered` once the network heals; fencing tokens strictly increase from grant to grant;
 * without faults, grants in (request timestamp, id) order using 2(N − 1) messages per entry.
 *
 * Rules of the game: no clock, timer, randomness or I/O inside a core (everything it knows comes in as inputs), and
 * its state must be plain data (numbers, strings, arrays, Maps, Sets, plain objects or class instances of those), so
 * that the model checker can clone and compare it.
 */
export interface MutexCore {
  /** `released` (not interested), `wanted` (requested, waiting for permission) or `held` (in the critical section). */
  readonly state: MutexStateName;
  /** Takes one input, returns what to send and what happened. Throwing is a bug the simulator reports. */
  handle(input: MutexInput): MutexOutput[];
  /** A snapshot for the peer's GetState and for failure messages. */
  describe(): MutexSnapshot;
}

/** What a mutex core reports about itself. */
export interface MutexSnapshot {
  state: MutexStateName;
  /** The Lamport timestamp of the pending or granted request; 0 when released. */
  requestTimestamp: number;
  /** Peers whose permission is still awaited. */
  awaiting: PeerId[];
  /** Peers whose requests wait for this process to leave. */
  deferred: PeerId[];
  members: PeerId[];
  /** The token of the current grant; 0 unless held. */
  fencingToken: number;
  lamportTime: number;
}

/** How a core is started: for the first time (incarnation 1) or after a crash (a larger incarnation, all state lost). */
export interface MutexCoreOptions {
  self: PeerId;
  /** Every member, this process included. */
  members: readonly PeerId[];
  /** 1 at first, larger after each restart. */
  incarnation: number;
  /** The largest fencing token seen in an earlier life, kept durably by the driver; 0 or absent when none. */
  fencingTokenSeen?: number;
}

/**
 * What a user's module exports (as `createMutexCore`, or as its default export): one call per process and per life.
 * A class whose constructor takes `MutexCoreOptions` is accepted too.
 */
export type MutexCoreFactory = (options: MutexCoreOptions) => MutexCore;
