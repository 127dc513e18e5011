import { compareStamps, LamportClock } from '@distlab/clock';
import type {
  MutexCore,
  MutexCoreOptions,
  MutexInput,
  MutexMessage,
  MutexOutput,
  MutexSnapshot,
  MutexStateName,
  PeerId,
} from './mutex-core';

/**
 * Ricart–Agrawala mutual exclusion, as a state machine: inputs in (a local request to enter or leave, a message from a
 * peer, a membership change), outputs out (messages to send, critical-section effects). No clock, timer or I/O.
 *
 * Theory of operation. A process that wants the critical section stamps a request with its Lamport time and sends it
 * to every other member, then waits for a reply from each. A process receiving a request replies at once unless it is
 * in the critical section, or wants it with an older request (ordered by Lamport time, then process id): then it
 * defers the reply until it leaves. Requests are totally ordered, so of two contenders exactly one defers to the other:
 * at most one process is ever in the critical section, and requests are granted in (timestamp, id) order. Each entry
 * costs 2(N − 1) messages. Every reply carries the largest fencing token its sender has seen, and a process entering
 * takes one more than the largest it has seen: since the next holder always hears (through a reply) from the previous
 * one after it left, tokens increase with every grant across the cluster.
 *
 * Fault assumptions. Messages may be delayed, reordered or duplicated, but are not lost for ever (the transport
 * retries). A process may crash; a timeout cannot tell a crashed process from a slow or partitioned one, so a silent
 * member is never skipped on suspicion: its reply is awaited until it answers, restarts under a new incarnation (it
 * lost its state, so its old request is dropped and ours is sent again), or is removed from the membership. A restart
 * is learned from a membership notice or from any message carrying a newer incarnation. A restarted process starts
 * its Lamport clock afresh, so a reply names the incarnation it grants, and a late duplicate of an older request never
 * replaces a newer one. During a partition, waiting requests block; after the heal, they are granted. Safety is never
 * traded for liveness. A holder that crashes takes its fencing token with it: the next grant may repeat that number
 * unless the driver keeps the largest token durably (the peer does; the core only promises increase while alive).
 */
/** Every process starts at this incarnation and counts up by one (or more) at each restart. */
export const FIRST_INCARNATION = 1;

/** A local request that does not fit the state: acquire while not released, release while not holding. */
export class MutexStateError extends Error {
  constructor(
    readonly state: MutexStateName,
    readonly attempted: 'acquire' | 'release',
  ) {
    super(`cannot ${attempted} while ${state}`);
  }
}

/** The reference core's options are those of every mutex core. */
export type RicartAgrawalaOptions = MutexCoreOptions;

/** The reference mutex core (see the theory of operation above). */
export class RicartAgrawala implements MutexCore {
  readonly self: PeerId;
  private readonly incarnation: number;
  private readonly clock = new LamportClock();
  private readonly members: Set<PeerId>;
  private readonly incarnations = new Map<PeerId, number>();
  private stateName: MutexStateName = 'released';
  private requestTimestamp = 0;
  private readonly awaiting = new Set<PeerId>();
  private readonly deferred = new Map<PeerId, { timestamp: number; incarnation: number }>();
  /** The newest request seen from each peer, to recognise late duplicates of older ones. */
  private readonly latestRequests = new Map<PeerId, { timestamp: number; incarnation: number }>();
  private fencingTokenSeen = 0;
  private heldToken = 0;

  constructor(options: RicartAgrawalaOptions) {
    this.self = options.self;
    this.incarnation = options.incarnation;
    this.members = new Set([...options.members, options.self]);
    this.fencingTokenSeen = options.fencingTokenSeen ?? 0;
  }

  get state(): MutexStateName {
    return this.stateName;
  }

  /** A snapshot for GetState and for checkers. */
  describe(): MutexSnapshot {
    return {
      state: this.stateName,
      requestTimestamp: this.stateName === 'released' ? 0 : this.requestTimestamp,
      awaiting: [...this.awaiting].sort((a, b) => a - b),
      deferred: [...this.deferred.keys()].sort((a, b) => a - b),
      members: [...this.members].sort((a, b) => a - b),
      fencingToken: this.stateName === 'held' ? this.heldToken : 0,
      lamportTime: this.clock.time,
    };
  }

  handle(input: MutexInput): MutexOutput[] {
    switch (input.kind) {
      case 'acquire':
        return this.requestEntry();
      case 'release':
        return this.leave();
      case 'receive':
        return input.message.kind === 'request' ? this.onRequest(input.message) : this.onReply(input.message);
      case 'member-joined':
        return this.addMember(input.peerId);
      case 'member-left':
        return this.removeMember(input.peerId);
      case 'member-restarted':
        return this.onRestart(input.peerId, input.incarnation);
    }
  }

  /** Whether to defer a request of (timestamp, from): overridable only to build broken variants for checker tests. */
  protected shouldDefer(timestamp: number, from: PeerId): boolean {
    if (this.stateName === 'held') return true;
    return (
      this.stateName === 'wanted' &&
      compareStamps({ time: this.requestTimestamp, peerId: this.self }, { time: timestamp, peerId: from }) < 0
    );
  }

  private requestEntry(): MutexOutput[] {
    if (this.stateName !== 'released') throw new MutexStateError(this.stateName, 'acquire');
    this.stateName = 'wanted';
    this.requestTimestamp = this.clock.tick();
    const others = [...this.members].filter((peerId) => peerId !== this.self);
    others.forEach((peerId) => this.awaiting.add(peerId));
    return [...others.map((peerId) => this.requestTo(peerId)), ...this.enterIfGranted()];
  }

  private leave(): MutexOutput[] {
    if (this.stateName !== 'held') throw new MutexStateError(this.stateName, 'release');
    this.stateName = 'released';
    const outputs: MutexOutput[] = [{ kind: 'exited', fencingToken: this.heldToken }];
    for (const [peerId, request] of this.deferred)
      outputs.push(this.replyTo(peerId, request.timestamp, request.incarnation));
    this.deferred.clear();
    return outputs;
  }

  private onRequest(message: Extract<MutexMessage, { kind: 'request' }>): MutexOutput[] {
    this.clock.receive(message.timestamp);
    if (!this.members.has(message.from)) return [];
    if ((this.incarnations.get(message.from) ?? FIRST_INCARNATION) > message.incarnation) return []; // From a previous life.
    const outputs = this.observeIncarnation(message.from, message.incarnation);
    const latest = this.latestRequests.get(message.from);
    if (latest !== undefined && latest.incarnation === message.incarnation && latest.timestamp > message.timestamp) {
      return outputs; // A late duplicate of an older request: the newer one stands.
    }
    this.latestRequests.set(message.from, { timestamp: message.timestamp, incarnation: message.incarnation });
    if (this.shouldDefer(message.timestamp, message.from)) {
      this.deferred.set(message.from, { timestamp: message.timestamp, incarnation: message.incarnation });
      return outputs;
    }
    return [...outputs, this.replyTo(message.from, message.timestamp, message.incarnation)];
  }

  private onReply(message: Extract<MutexMessage, { kind: 'reply' }>): MutexOutput[] {
    this.fencingTokenSeen = Math.max(this.fencingTokenSeen, message.fencingTokenSeen);
    const outputs = this.members.has(message.from) ? this.observeIncarnation(message.from, message.incarnation) : [];
    // A reply to another request of ours (older, or of our previous life) grants nothing now.
    const current =
      this.stateName === 'wanted' &&
      message.requestTimestamp === this.requestTimestamp &&
      message.requesterIncarnation === this.incarnation;
    if (!current) return outputs;
    this.awaiting.delete(message.from);
    return [...outputs, ...this.enterIfGranted()];
  }

  /**
   * Learns that a peer restarted, from a notice or from a message of a newer incarnation: its old request died with
   * it, and so did ours and any permission it gave us. A restarted process starts its Lamport clock afresh, so its new
   * requests look older than ours: keeping a permission from its previous life would let us both in (the simulator
   * found exactly that). While we wait, we ask it again, whether or not it had already replied.
   */
  private observeIncarnation(peerId: PeerId, incarnation: number): MutexOutput[] {
    // Every process starts at incarnation 1, so a first message from a later one already tells of a restart, even
    // when we never heard from the earlier life (a partition can hide it; the simulator found that case too).
    const known = this.incarnations.get(peerId) ?? FIRST_INCARNATION;
    if (incarnation <= known) return [];
    this.incarnations.set(peerId, incarnation);
    this.deferred.delete(peerId);
    this.latestRequests.delete(peerId);
    if (this.stateName !== 'wanted') return [];
    this.awaiting.add(peerId);
    return [this.requestTo(peerId)];
  }

  private addMember(peerId: PeerId): MutexOutput[] {
    if (this.members.has(peerId)) return [];
    this.members.add(peerId);
    // A member that joins while we wait has not seen our request: it must grant it too.
    if (this.stateName !== 'wanted') return [];
    this.awaiting.add(peerId);
    return [this.requestTo(peerId)];
  }

  private removeMember(peerId: PeerId): MutexOutput[] {
    if (peerId === this.self || !this.members.delete(peerId)) return [];
    this.deferred.delete(peerId);
    this.awaiting.delete(peerId);
    return this.stateName === 'wanted' ? this.enterIfGranted() : [];
  }

  private onRestart(peerId: PeerId, incarnation: number): MutexOutput[] {
    return this.members.has(peerId) ? this.observeIncarnation(peerId, incarnation) : [];
  }

  private enterIfGranted(): MutexOutput[] {
    if (this.stateName !== 'wanted' || this.awaiting.size > 0) return [];
    this.stateName = 'held';
    this.fencingTokenSeen += 1;
    this.heldToken = this.fencingTokenSeen;
    return [{ kind: 'entered', fencingToken: this.heldToken, requestTimestamp: this.requestTimestamp }];
  }

  private requestTo(peerId: PeerId): MutexOutput {
    return {
      kind: 'send',
      to: peerId,
      message: { kind: 'request', from: this.self, timestamp: this.requestTimestamp, incarnation: this.incarnation },
    };
  }

  private replyTo(peerId: PeerId, requestTimestamp: number, requesterIncarnation: number): MutexOutput {
    return {
      kind: 'send',
      to: peerId,
      message: {
        kind: 'reply',
        from: this.self,
        requestTimestamp,
        requesterIncarnation,
        incarnation: this.incarnation,
        fencingTokenSeen: this.fencingTokenSeen,
      },
    };
  }
}
