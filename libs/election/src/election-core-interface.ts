import type { ElectionAlgorithm, ElectionInput, ElectionOutput, PeerId } from './messages';

/**
 * The interface of a leader-election core: what the peer's driver and the simulator need from one, and all a student
 * needs to know to write their own Bully or Ring. The reference, `ElectionCore`, implements it;
 * `distlab simulate --algorithm bully --core FILE` and `distlab up --election-core FILE` run another in its place.
 *
 * A core is a state machine without I/O and without a clock: time comes in as `nowMs` on every input, and the core
 * says when it next wants to be woken (`nextDeadlineMs`). The driver feeds it (see `ElectionInput`):
 * - `start` — begin an election now; `receive` — a message another core sent;
 * - `send-failed` — a message this core sent could not be delivered (the receiver is down or cut off): that is how a
 *   Bully candidate learns a higher process is gone, and how a Ring skips a dead successor;
 * - `tick` — time passed: whatever is due fires (answer and coordinator timeouts, heartbeats);
 * - `member-joined`, `member-left`, `heard-from` — membership and liveness hints.
 * It returns (see `ElectionOutput`): `send` (the driver delivers it once, like an RPC, and reports `send-failed` if it
 * cannot), `leader-changed` (this process now follows `leader`) and `election-started`.
 *
 * What the checkers demand: after faults heal, within a bounded time every live process follows the same leader, and
 * that leader is the highest live id; a Ring election without faults costs at most 3N messages.
 *
 * Rules of the game: no clock, timer, randomness or I/O inside the core; its state must be plain data so that it can
 * be cloned and compared. Each process's clock is skewed and drifts: compare `nowMs` only with earlier `nowMs` values
 * of the same process.
 */
export interface LeaderElectionCore {
  readonly self: PeerId;
  /** Takes one input at local time `input.nowMs` (when it has one), returns what to send and what happened. */
  handle(input: ElectionInput): ElectionOutput[];
  /** What this process believes now. */
  describe(): ElectionSnapshot;
  /** When (in this process's local milliseconds) to send the next `tick`; undefined when nothing is pending. */
  nextDeadlineMs(): number | undefined;
}

/** What an election core reports about itself. */
export interface ElectionSnapshot {
  /** The leader this process follows; undefined while it knows none. */
  leader: PeerId | undefined;
  /** The term of that leader's election. */
  term: number;
  algorithm: ElectionAlgorithm;
  electionInProgress: boolean;
}

/** How a core is started (again after every restart: a restarted process has lost its state). */
export interface LeaderElectionCoreOptions {
  self: PeerId;
  /** Every member, this process included. */
  members: readonly PeerId[];
  /** The algorithm elections use unless a `start` names another. */
  algorithm: ElectionAlgorithm;
  /** The driver's timeouts (the peer's flags); a core may use them or keep its own. */
  timeouts?: Partial<ElectionTimeouts>;
}

/** The timeouts of the reference core, all in the process's local milliseconds. */
export interface ElectionTimeouts {
  answerTimeoutMs: number;
  coordinatorTimeoutMs: number;
  ringTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  leaderlessTimeoutMs: number;
  announceIntervalMs: number;
}

/**
 * What a user's module exports (as `createElectionCore`, or as its default export): one call per process and per
 * life. A class whose constructor takes `LeaderElectionCoreOptions` is accepted too.
 */
export type LeaderElectionCoreFactory = (options: LeaderElectionCoreOptions) => LeaderElectionCore;
