import { ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { isServiceError, unaryCall, type Logger } from '@distlab/grpc-kit';
import {
  ElectionCore,
  type LeaderElectionCore,
  type LeaderElectionCoreFactory,
  type ElectionAlgorithm,
  type ElectionMessage,
  type ElectionOutput,
  type ElectionTimeouts,
} from '@distlab/election';
import type { Envelope } from '@distlab/contracts/mutex/v1/mutex';
import { envelopeMetadata, type EventLog, type LogicalClocks, type MessageKind, type PeerLinks } from '../messaging';
import { labMetrics } from '../peer-metrics';
import { HeartbeatStream, PEER_ELECTION_TIMEOUTS } from './heartbeat-stream';

/** What this peer knows of the leader. */
export interface LeaderView {
  leader: number | undefined;
  term: number;
  algorithm: ElectionAlgorithm;
  electionInProgress: boolean;
  /** When this peer learned of the leader, by its clock. */
  electTime: Date | undefined;
}

export interface ElectionDriverOptions {
  links: PeerLinks;
  clocks: LogicalClocks;
  log: EventLog;
  logger: Logger;
  algorithm: ElectionAlgorithm;
  timeouts?: Partial<ElectionTimeouts>;
  /** This peer's clock, for the time a leader was learned. */
  wallClock: () => Date;
  /** The core to drive: libs/election's by default, or a user's (`--election-core FILE`). */
  coreFactory?: LeaderElectionCoreFactory;
}

/** How long an election message may take before it counts as not delivered (the core then skips the receiver). */
const ELECTION_CALL_DEADLINE_MS = 250;

/**
 * The thin driver of libs/election's core on a peer: RPCs in are fed to the core with the time, the core's messages go
 * out as RPCs (a failed one is fed back as `send-failed`), heartbeats go to the leader on one stream (HeartbeatStream)
 * and their answers come back on it, and one timer is kept at the core's next deadline. Election steps and leader
 * changes are logged. When the heartbeat stream breaks between two heartbeats (the leader's connection closed), the
 * leader is sent a heartbeat at once, whose failure the core takes as it takes any failed heartbeat.
 */
export class ElectionDriver {
  private readonly core: LeaderElectionCore;
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Infinity;
  private electTime: Date | undefined;
  /** performance.now() when this peer's current election started, for the duration metric. */
  private electionStartedAtMs: number | undefined;
  private readonly leaderWaiters = new Set<() => void>();
  private stopped = false;
  private readonly unsubscribe: () => void;
  private readonly unhear: () => void;
  private readonly heartbeats: HeartbeatStream;

  constructor(private readonly options: ElectionDriverOptions) {
    const reference: LeaderElectionCoreFactory = (core) => new ElectionCore(core);
    this.core = (options.coreFactory ?? reference)({
      self: options.links.self,
      members: options.links.members(),
      algorithm: options.algorithm,
      timeouts: { ...PEER_ELECTION_TIMEOUTS, ...options.timeouts },
    });
    this.heartbeats = new HeartbeatStream(
      options.links,
      (peerId) => this.probeLeader(peerId),
      ELECTION_CALL_DEADLINE_MS,
    );
    // Joins (discovery, `cluster add`) and removals (`cluster remove`) change the ring; restarts need nothing here.
    this.unsubscribe = options.links.onChange((change) => {
      if (change.kind === 'restarted' || this.stopped) return;
      const kind = change.kind === 'joined' ? 'member-joined' : 'member-left';
      this.feed(this.core.handle({ kind, peerId: change.peerId, nowMs: performance.now() }));
    });
    // Any message from the leader shows it alive: while the algorithms talk to it, heartbeats can wait (see the core).
    this.unhear = options.links.onHeard((peerId) => {
      if (this.stopped) return;
      const outputs = this.core.handle({ kind: 'heard-from', peerId, nowMs: performance.now() });
      // Nothing to send or tell, in the common case: skip the bookkeeping (a later deadline needs no new timer).
      if (outputs.length > 0) this.feed(outputs);
    });
  }

  get self(): number {
    return this.options.links.self;
  }

  /** Starts the failure detector: the first tick sets the core's clocks going. */
  start(): void {
    this.feed(this.core.handle({ kind: 'tick', nowMs: performance.now() }));
  }

  describe(): LeaderView {
    return { ...this.core.describe(), electTime: this.electTime };
  }

  /** Starts an election now; returns its term. */
  startElection(algorithm: ElectionAlgorithm): number {
    const outputs = this.core.handle({ kind: 'start', nowMs: performance.now(), algorithm });
    const started = outputs.find((output) => output.kind === 'election-started');
    this.feed(outputs);
    return started?.kind === 'election-started' ? started.term : this.core.describe().term;
  }

  /** Resolves once a leader is known and no election runs, or when `signal` aborts. */
  whenLeaderAgreed(signal: AbortSignal): Promise<LeaderView> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const view = this.describe();
        if (view.leader === undefined || view.electionInProgress) return;
        this.leaderWaiters.delete(check);
        resolve(view);
      };
      signal.addEventListener('abort', () => {
        this.leaderWaiters.delete(check);
        reject(new Error('no leader agreed before the deadline'));
      });
      this.leaderWaiters.add(check);
      check();
    });
  }

  /**
   * A message from a peer; returns the answer to a heartbeat (the only message answered in its response). A message
   * from a peer that is not a member is refused (PeerLinks.requireMember): a stranger must not become the leader.
   */
  receive(message: ElectionMessage): ElectionMessage | undefined {
    this.options.links.requireMember(message.from);
    const outputs = this.core.handle({ kind: 'receive', message, nowMs: performance.now() });
    const isAck = (output: ElectionOutput) =>
      output.kind === 'send' && output.message.kind === 'heartbeat-ack' && output.to === message.from;
    const ack = outputs.find(isAck);
    this.feed(outputs.filter((output) => !isAck(output)));
    return ack?.kind === 'send' ? ack.message : undefined;
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.unhear();
    this.heartbeats.close();
    clearTimeout(this.timer);
  }

  /** The heartbeat stream to the leader broke: ask it now whether it still leads, rather than at the next heartbeat. */
  private probeLeader(peerId: number): void {
    const view = this.core.describe();
    if (this.stopped || view.leader !== peerId || peerId === this.self) return;
    this.send(peerId, { kind: 'heartbeat', from: this.self, term: view.term });
  }

  private feed(outputs: ElectionOutput[]): void {
    for (const output of outputs) {
      if (output.kind === 'send') this.send(output.to, output.message);
      else if (output.kind === 'election-started') {
        this.logStep('election', `start ${output.algorithm} election, term ${output.term}`, output.algorithm);
        this.electionStartedAtMs ??= performance.now();
        labMetrics().electionsStarted.inc({ algorithm: output.algorithm });
      } else this.onLeaderChanged(output.leader, output.term, output.algorithm);
    }
    for (const wake of [...this.leaderWaiters]) wake();
    const leader = this.core.describe().leader;
    if (!this.stopped) this.heartbeats.follow(leader === this.self ? undefined : leader);
    this.schedule();
  }

  private onLeaderChanged(leader: number, term: number, algorithm: ElectionAlgorithm): void {
    this.electTime = this.options.wallClock();
    this.logStep('leader-changed', `leader is ${leader} (term ${term})`, algorithm);
    this.options.logger.info({ leader, term, algorithm }, 'leader changed');
    const metrics = labMetrics();
    metrics.leaderChanges.inc({ algorithm });
    metrics.leaderId.set(leader);
    if (this.electionStartedAtMs !== undefined)
      metrics.electionSeconds.observe({ algorithm }, (performance.now() - this.electionStartedAtMs) / 1000);
    this.electionStartedAtMs = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    const deadlineMs = this.core.nextDeadlineMs();
    if (deadlineMs === undefined || deadlineMs >= this.timerAtMs) return;
    clearTimeout(this.timer);
    this.timerAtMs = deadlineMs;
    this.timer = setTimeout(
      () => {
        this.timerAtMs = Infinity;
        this.feed(this.core.handle({ kind: 'tick', nowMs: performance.now() }));
      },
      Math.max(0, deadlineMs - performance.now()),
    ).unref();
  }

  private send(to: number, message: ElectionMessage): void {
    if (this.stopped || !this.options.links.has(to)) return;
    const links = this.options.links;
    const kind = kindOf(message);
    // Heartbeats are probes, not messages of an algorithm: sent without an envelope, so they are not logged.
    const sent =
      kind === undefined
        ? links.probe(to, () => this.heartbeat(to, message))
        : links.send(to, kind, (envelope) => this.call(to, message, envelope));
    void sent.then(
      (ack) => {
        if (ack !== undefined) this.feed(this.core.handle({ kind: 'receive', message: ack, nowMs: performance.now() }));
      },
      (error: unknown) => {
        if (this.stopped) return;
        if (!isServiceError(error)) this.options.logger.error({ err: error }, 'election message failed');
        this.feed(this.core.handle({ kind: 'send-failed', to, message, nowMs: performance.now() }));
      },
    );
  }

  /** One election message as its RPC, carrying `envelope`. */
  private async call(to: number, message: ElectionMessage, envelope: Envelope): Promise<undefined> {
    const client = this.options.links.client(ElectionServiceClient, to);
    const metadata = envelopeMetadata(envelope);
    // Bully's messages wait for a peer whose connection is being re-established (a peer that started after this one,
    // whose first dials failed) instead of failing at once: the core ignores a failed Bully message and decides by its
    // answer timeout, so waiting costs a dead peer nothing and saves a live one from being taken for dead. Ring's
    // messages fail at once: a failure is how an unreachable successor is skipped.
    if (envelope.algorithm === 'bully') metadata.setOptions({ waitForReady: true });
    const settings = { metadata, deadlineMs: ELECTION_CALL_DEADLINE_MS };
    const term = String(message.term);
    switch (message.kind) {
      case 'election':
        await unaryCall(client, 'election', { candidateId: message.from, term }, settings);
        return undefined;
      case 'answer':
        await unaryCall(client, 'answer', { responderId: message.from, term }, settings);
        return undefined;
      case 'coordinator':
        await unaryCall(client, 'coordinator', { leaderId: message.from, term }, settings);
        return undefined;
      case 'ring-election':
        await unaryCall(
          client,
          'ringElection',
          { initiatorId: message.initiator, term, participantIds: message.participants },
          settings,
        );
        return undefined;
      case 'ring-coordinator':
        await unaryCall(
          client,
          'ringCoordinator',
          { initiatorId: message.initiator, leaderId: message.leader, term, participantIds: message.participants },
          settings,
        );
        return undefined;
      case 'heartbeat':
      case 'heartbeat-ack':
        throw new Error(`${message.kind} is not sent as an algorithm message`);
    }
  }

  /** A heartbeat on the stream to `to`; resolves to the answer as the core's heartbeat-ack. */
  private async heartbeat(to: number, message: ElectionMessage): Promise<ElectionMessage | undefined> {
    if (message.kind !== 'heartbeat') return undefined; // A heartbeat-ack is the heartbeat's answer, never sent.
    const answer = await this.heartbeats.beat(to, message.term);
    return { kind: 'heartbeat-ack', from: to, leader: answer.leader, term: answer.term };
  }

  private logStep(kind: 'election' | 'leader-changed', label: string, algorithm: ElectionAlgorithm): void {
    this.options.log.append({ kind, stamp: this.options.clocks.tick(), algorithm, label });
  }
}

/** What an election message is, for its envelope; undefined for heartbeats, which are probes. */
function kindOf(message: ElectionMessage): MessageKind | undefined {
  switch (message.kind) {
    case 'election':
      return { algorithm: 'bully', label: `Election(term ${message.term})` };
    case 'answer':
      return { algorithm: 'bully', label: `Answer(term ${message.term})` };
    case 'coordinator':
      return { algorithm: 'bully', label: `Coordinator(${message.from}, term ${message.term})` };
    case 'ring-election':
      return { algorithm: 'ring', label: `RingElection([${message.participants.join(',')}])` };
    case 'ring-coordinator':
      return { algorithm: 'ring', label: `RingCoordinator(${message.leader}, term ${message.term})` };
    case 'heartbeat':
    case 'heartbeat-ack':
      return undefined;
  }
}
