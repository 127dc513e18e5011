import type {
  ElectionSnapshot,
  ElectionTimeouts,
  LeaderElectionCore,
  LeaderElectionCoreOptions,
} from './election-core-interface';
import type { ElectionAlgorithm, ElectionInput, ElectionMessage, ElectionOutput, PeerId } from './messages';

export type { ElectionTimeouts };

/** The reference core's timeouts, unless the driver gives others. */
export const DEFAULT_TIMEOUTS: ElectionTimeouts = {
  answerTimeoutMs: 150,
  coordinatorTimeoutMs: 400,
  ringTimeoutMs: 800,
  heartbeatIntervalMs: 100,
  heartbeatTimeoutMs: 150,
  leaderlessTimeoutMs: 300,
  announceIntervalMs: 500,
};

/** The reference core's options are those of every election core. */
export type ElectionCoreOptions = LeaderElectionCoreOptions;

type Bully = { phase: 'idle' } | { phase: 'candidate' | 'waiting'; term: number; deadlineMs: number };

/**
 * Leader election by the Bully or the Ring algorithm, with heartbeat failure detection, as a state machine.
 *
 * Theory of operation. Every election has a term, larger than any term its starter has seen; every message carries
 * one, and a coordinator announcement older than the leader already known is ignored, so a delayed message cannot
 * undo a newer election. Bully: the candidate sends `election` to every higher id; a live higher process answers and
 * runs its own election; a candidate that hears no answer within `answerTimeoutMs` is the highest live process and
 * announces itself to all (`coordinator`); one that was answered but hears of no coordinator within
 * `coordinatorTimeoutMs` starts over. A coordinator announcement from a lower id makes a live higher process start an
 * election (it bullies the lower one). Ring: the processes form a ring by id; `ring-election` travels round it, each
 * process adding its id, and a successor that cannot be reached is skipped; back at its initiator, the highest id
 * collected is the leader, announced by `ring-coordinator` on one more round: 2N messages without faults.
 * Failure detection: a follower sends its leader a `heartbeat` every `heartbeatIntervalMs`; no acknowledgment within
 * `heartbeatTimeoutMs` (or a failed send) starts an election, and so does having had no leader, and seen no election
 * activity, for `leaderlessTimeoutMs` (at start-up, or after an election that lost its way). Any other message from the
 * leader (`heard-from`: of any algorithm, such as a Ricart–Agrawala reply) shows it alive as an acknowledgment does,
 * so the next heartbeat waits a full interval from it: while the leader talks to a follower anyway, no heartbeats
 * flow, as in Raft, where entries double as heartbeats. A leader that dies is still suspected within an interval
 * and a timeout of the last thing heard from it; a message held up in flight can delay that by as long as it was held. A leader re-announces
 * itself every `announceIntervalMs`, so that two leaders left by a healed partition meet: an announcement from a
 * higher id makes a lower leader (and its followers) start an election, which the higher one wins, whatever the terms
 * (the simulator found split brains that outlived the heal without this). It re-announces only to the members that
 * have not shown they follow it, by a heartbeat of its term within the interval: at rest, with every follower's
 * heartbeats arriving, a leader sends nothing, and its peers' logs stay quiet. Time is an input:
 * `tick(nowMs)` fires what is due and `nextDeadlineMs()` says when to tick next.
 * Membership: a process that joins enters the ring (a leader tells it who leads at once; a joiner higher than the
 * leader bullies its way in when it hears the announcement); one taken out leaves the ring, and if it led, its
 * followers elect another at once instead of waiting for their heartbeats to fail.
 */
export class ElectionCore implements LeaderElectionCore {
  readonly self: PeerId;
  private ring: PeerId[];
  private readonly timeouts: ElectionTimeouts;
  private readonly algorithm: ElectionAlgorithm;
  private term = 0;
  private leader: PeerId | undefined;
  private leaderTerm = 0;
  private leaderAlgorithm: ElectionAlgorithm;
  private bully: Bully = { phase: 'idle' };
  private ringPending: { term: number; deadlineMs: number } | undefined;
  private nextHeartbeatMs = 0;
  private nextAnnounceMs = 0;
  /** While leading: when each follower last heartbeated this process under its term (it follows this leader). */
  private readonly followerHeardAtMs = new Map<PeerId, number>();
  private heartbeatDeadlineMs: number | undefined;
  /** When this process last started, joined or forwarded an election (set on its first tick, at the latest). */
  private lastElectionActivityMs: number | undefined;

  constructor(options: ElectionCoreOptions) {
    this.self = options.self;
    this.ring = [...new Set([...options.members, options.self])].sort((a, b) => a - b);
    this.algorithm = options.algorithm;
    this.leaderAlgorithm = options.algorithm;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  /** What this process believes. */
  describe(): ElectionSnapshot {
    return {
      leader: this.leader,
      term: this.leaderTerm,
      algorithm: this.leaderAlgorithm,
      electionInProgress: this.bully.phase !== 'idle' || this.ringPending !== undefined,
    };
  }

  /** When the next deadline falls (for the driver's timer), or undefined when nothing is pending. */
  nextDeadlineMs(): number | undefined {
    const deadlines = [
      this.bully.phase === 'idle' ? undefined : this.bully.deadlineMs,
      this.ringPending?.deadlineMs,
      this.heartbeatDeadlineMs,
      this.leader !== undefined && this.leader !== this.self ? this.nextHeartbeatMs : undefined,
      this.leader === this.self ? this.nextAnnounceMs : undefined,
      this.leader === undefined && this.lastElectionActivityMs !== undefined
        ? this.lastElectionActivityMs + this.timeouts.leaderlessTimeoutMs
        : undefined,
    ].filter((deadline): deadline is number => deadline !== undefined);
    return deadlines.length === 0 ? undefined : Math.min(...deadlines);
  }

  handle(input: ElectionInput): ElectionOutput[] {
    switch (input.kind) {
      case 'start':
        return this.startElection(input.nowMs, input.algorithm ?? this.algorithm);
      case 'tick':
        return this.onTick(input.nowMs);
      case 'send-failed':
        return this.onSendFailed(input.to, input.message, input.nowMs);
      case 'receive':
        return this.onMessage(input.message, input.nowMs);
      case 'member-joined':
        return this.onJoined(input.peerId);
      case 'member-left':
        return this.onLeft(input.peerId, input.nowMs);
      case 'heard-from':
        return this.onHeardFrom(input.peerId, input.nowMs);
    }
  }

  /** Every member this process knows, itself included, in id order. */
  members(): readonly PeerId[] {
    return this.ring;
  }

  private onJoined(peerId: PeerId): ElectionOutput[] {
    if (this.ring.includes(peerId)) return [];
    this.ring = [...this.ring, peerId].sort((a, b) => a - b);
    if (this.leader !== this.self) return [];
    return [this.send(peerId, { kind: 'coordinator', from: this.self, term: this.leaderTerm })];
  }

  private onLeft(peerId: PeerId, nowMs: number): ElectionOutput[] {
    if (peerId === this.self || !this.ring.includes(peerId)) return [];
    this.ring = this.ring.filter((member) => member !== peerId);
    return this.leader === peerId ? this.suspectLeader(nowMs) : [];
  }

  /** The leader is alive: as if a heartbeat had just been acknowledged. */
  private onHeardFrom(peerId: PeerId, nowMs: number): ElectionOutput[] {
    if (peerId !== this.leader || peerId === this.self) return [];
    this.heartbeatDeadlineMs = undefined;
    this.nextHeartbeatMs = Math.max(this.nextHeartbeatMs, nowMs + this.timeouts.heartbeatIntervalMs);
    return [];
  }

  private onMessage(message: ElectionMessage, nowMs: number): ElectionOutput[] {
    this.term = Math.max(this.term, message.term);
    if (message.kind !== 'heartbeat' && message.kind !== 'heartbeat-ack') this.lastElectionActivityMs = nowMs;
    switch (message.kind) {
      case 'election': {
        const answer = this.send(message.from, { kind: 'answer', from: this.self, term: message.term });
        if (this.leader === this.self) {
          // Already the leader. Under our term, the candidate just missed the announcement: tell it alone. Under a
          // newer term, our term is stale to the others: win again under a newer one, or they never follow us.
          if (message.term <= this.leaderTerm) {
            return [answer, this.send(message.from, { kind: 'coordinator', from: this.self, term: this.leaderTerm })];
          }
          return [answer, ...this.startElection(nowMs, 'bully')];
        }
        return this.bully.phase === 'idle' ? [answer, ...this.startBully(nowMs, this.term)] : [answer];
      }
      case 'answer':
        if (this.bully.phase === 'candidate' && message.term === this.bully.term) {
          this.bully = { phase: 'waiting', term: message.term, deadlineMs: nowMs + this.timeouts.coordinatorTimeoutMs };
        }
        return [];
      case 'coordinator':
        // A lower process claims to lead while we are alive: bully it. A higher one claims to, under a term older
        // than our leader's (two leaders met after a partition): settle it with a new election, which it will win.
        if (message.from < this.self) return this.startElection(nowMs, this.algorithm);
        if (message.term < this.leaderTerm) {
          return message.from > (this.leader ?? 0) && this.bully.phase === 'idle'
            ? this.startElection(nowMs, this.algorithm)
            : [];
        }
        return this.adopt(message.from, message.term, 'bully', nowMs);
      case 'ring-election':
        return this.onRingElection(message, nowMs);
      case 'ring-coordinator': {
        // An election that skipped us (we were cut off) named a lower leader: contest it rather than follow it.
        if (message.leader < this.self) return this.startElection(nowMs, this.algorithm);
        const outputs = this.adopt(message.leader, message.term, 'ring', nowMs);
        // The announcement goes round once: it stops at its initiator, and at a process that already knew this leader
        // for this term. Without the second stop, an announcement whose initiator died (or never was a member) would
        // circle for ever; the fuzz test found it circling inside one peer whose every link was cut.
        if (message.initiator === this.self || outputs.length === 0) return outputs;
        return [...outputs, this.send(this.successor(this.self), { ...message, from: this.self })];
      }
      case 'heartbeat':
        if (this.leader === this.self && message.term === this.leaderTerm)
          this.followerHeardAtMs.set(message.from, nowMs);
        return [
          this.send(message.from, {
            kind: 'heartbeat-ack',
            from: this.self,
            leader: this.leader,
            term: this.leaderTerm,
          }),
        ];
      case 'heartbeat-ack':
        if (message.from === this.leader) this.heartbeatDeadlineMs = undefined;
        return [];
    }
  }

  private onTick(nowMs: number): ElectionOutput[] {
    if (this.bully.phase === 'candidate' && nowMs >= this.bully.deadlineMs)
      return this.becomeLeader(this.bully.term, 'bully', nowMs);
    if (this.bully.phase === 'waiting' && nowMs >= this.bully.deadlineMs) return this.startElection(nowMs, 'bully');
    if (this.ringPending !== undefined && nowMs >= this.ringPending.deadlineMs)
      return this.startElection(nowMs, 'ring');
    const electing = this.bully.phase !== 'idle' || this.ringPending !== undefined;
    this.lastElectionActivityMs ??= nowMs;
    if (this.leader === undefined) {
      const quietForLong = nowMs - this.lastElectionActivityMs >= this.timeouts.leaderlessTimeoutMs;
      return electing || !quietForLong ? [] : this.startElection(nowMs, this.algorithm);
    }
    if (this.leader === this.self) {
      if (electing || nowMs < this.nextAnnounceMs) return [];
      this.nextAnnounceMs = nowMs + this.timeouts.announceIntervalMs;
      const sinceMs = nowMs - this.timeouts.announceIntervalMs;
      const unsure = this.ring.filter(
        (peerId) => peerId !== this.self && (this.followerHeardAtMs.get(peerId) ?? -Infinity) < sinceMs,
      );
      return unsure.map((peerId) => this.send(peerId, { kind: 'coordinator', from: this.self, term: this.leaderTerm }));
    }
    if (electing) return [];
    if (this.heartbeatDeadlineMs !== undefined && nowMs >= this.heartbeatDeadlineMs) return this.suspectLeader(nowMs);
    if (this.heartbeatDeadlineMs === undefined && nowMs >= this.nextHeartbeatMs) {
      this.nextHeartbeatMs = nowMs + this.timeouts.heartbeatIntervalMs;
      this.heartbeatDeadlineMs = nowMs + this.timeouts.heartbeatTimeoutMs;
      return [this.send(this.leader, { kind: 'heartbeat', from: this.self, term: this.leaderTerm })];
    }
    return [];
  }

  private onSendFailed(to: PeerId, message: ElectionMessage, nowMs: number): ElectionOutput[] {
    if (message.kind === 'heartbeat' && to === this.leader) return this.suspectLeader(nowMs);
    if (message.kind !== 'ring-election' && message.kind !== 'ring-coordinator') return [];
    // Skip the unreachable successor: pass the message to the one after it.
    const next = this.successor(to);
    if (next !== this.self) return [this.send(next, message)];
    // Everyone after us is unreachable: the message has come round, as far as the live ring goes.
    return this.onMessage({ ...message, from: this.self }, nowMs);
  }

  private suspectLeader(nowMs: number): ElectionOutput[] {
    this.heartbeatDeadlineMs = undefined;
    this.leader = undefined;
    return this.startElection(nowMs, this.algorithm);
  }

  private startElection(nowMs: number, algorithm: ElectionAlgorithm): ElectionOutput[] {
    this.term += 1;
    this.lastElectionActivityMs = nowMs;
    const started: ElectionOutput = { kind: 'election-started', term: this.term, algorithm };
    return [started, ...(algorithm === 'bully' ? this.startBully(nowMs, this.term) : this.startRing(nowMs, this.term))];
  }

  private startBully(nowMs: number, term: number): ElectionOutput[] {
    const higher = this.ring.filter((peerId) => peerId > this.self);
    if (higher.length === 0) return this.becomeLeader(term, 'bully', nowMs);
    this.bully = { phase: 'candidate', term, deadlineMs: nowMs + this.timeouts.answerTimeoutMs };
    return higher.map((peerId) => this.send(peerId, { kind: 'election', from: this.self, term }));
  }

  private startRing(nowMs: number, term: number): ElectionOutput[] {
    this.ringPending = { term, deadlineMs: nowMs + this.timeouts.ringTimeoutMs };
    const message: ElectionMessage = {
      kind: 'ring-election',
      from: this.self,
      initiator: this.self,
      term,
      participants: [this.self],
    };
    const next = this.successor(this.self);
    return next === this.self ? this.onMessage(message, nowMs) : [this.send(next, message)];
  }

  private onRingElection(
    message: Extract<ElectionMessage, { kind: 'ring-election' }>,
    nowMs: number,
  ): ElectionOutput[] {
    if (message.initiator === this.self) {
      if (this.ringPending?.term !== message.term) return []; // An older round of ours, superseded.
      const leader = Math.max(...message.participants);
      const announcement: ElectionMessage = {
        kind: 'ring-coordinator',
        from: this.self,
        initiator: this.self,
        leader,
        term: message.term,
        participants: message.participants,
      };
      const outputs = this.adopt(leader, message.term, 'ring', nowMs);
      const next = this.successor(this.self);
      return next === this.self ? outputs : [...outputs, this.send(next, announcement)];
    }
    // A message that comes round again without meeting its initiator lost it on the way: drop it.
    if (message.participants.includes(this.self)) return [];
    return [
      this.send(this.successor(this.self), {
        ...message,
        from: this.self,
        participants: [...message.participants, this.self],
      }),
    ];
  }

  private becomeLeader(term: number, algorithm: ElectionAlgorithm, nowMs: number): ElectionOutput[] {
    const others = this.ring.filter((peerId) => peerId !== this.self);
    return [
      ...this.adopt(this.self, term, algorithm, nowMs),
      ...others.map((peerId) => this.send(peerId, { kind: 'coordinator', from: this.self, term })),
    ];
  }

  /** Accepts a leader unless the announcement is older than the leader already known. */
  private adopt(leader: PeerId, term: number, algorithm: ElectionAlgorithm, nowMs: number): ElectionOutput[] {
    if (term < this.leaderTerm) return [];
    this.term = Math.max(this.term, term);
    this.bully = { phase: 'idle' };
    if (this.ringPending !== undefined && this.ringPending.term <= term) this.ringPending = undefined;
    this.heartbeatDeadlineMs = undefined;
    this.nextHeartbeatMs = nowMs + this.timeouts.heartbeatIntervalMs;
    this.nextAnnounceMs = nowMs + this.timeouts.announceIntervalMs;
    const changed = leader !== this.leader || term !== this.leaderTerm;
    if (changed) this.followerHeardAtMs.clear();
    this.leader = leader;
    this.leaderTerm = term;
    this.leaderAlgorithm = algorithm;
    return changed ? [{ kind: 'leader-changed', leader, term, algorithm }] : [];
  }

  private successor(of: PeerId): PeerId {
    const index = this.ring.indexOf(of);
    const position = index >= 0 ? index : this.ring.findIndex((peerId) => peerId > of);
    return this.ring[(position + (index >= 0 ? 1 : 0) + this.ring.length) % this.ring.length];
  }

  private send(to: PeerId, message: ElectionMessage): ElectionOutput {
    return { kind: 'send', to, message };
  }
}
