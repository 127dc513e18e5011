import type { ChannelOptions, ClientDuplexStream, ServiceError, StatusObject } from '@grpc/grpc-js';
import {
  ElectionServiceClient,
  type HeartbeatStreamRequest,
  type HeartbeatStreamResponse,
} from '@distlab/contracts/election/v1/election';
import { Code, serviceError, unaryCall } from '@distlab/grpc-kit';
import type { ElectionTimeouts } from '@distlab/election';
import type { PeerLinks } from '../messaging';

/** The heartbeat stream's keepalive: a ping every 250 ms, the connection dropped if one is unanswered for 250 ms. */
const HEARTBEAT_KEEPALIVE_TIME_MS = 250;
/** The channel options of a heartbeat stream's connection (on top of the links' own): see HeartbeatStream. */
export const HEARTBEAT_CHANNEL_OPTIONS: Readonly<Partial<ChannelOptions>> = Object.freeze({
  'grpc.keepalive_time_ms': HEARTBEAT_KEEPALIVE_TIME_MS,
  'grpc.keepalive_timeout_ms': HEARTBEAT_KEEPALIVE_TIME_MS,
  'grpc.keepalive_permit_without_calls': 1,
});

/**
 * The election timeouts a peer runs with, unless it is given others: the core's, with heartbeats ten times rarer.
 *
 * Why: a follower must notice within half a second a leader that died, that was cut off without a reset (a partition:
 * packets vanish, nothing closes) or that stopped (SIGSTOP); a heartbeat every 100 ms from each of four followers did
 * that, and five idle peers used about 0.13 of a core for it. Most of that is now done below the heartbeats: a dead
 * leader's connection closes, which breaks the heartbeat stream at once; a cut-off or stopped leader answers none of
 * the HTTP/2 pings its stream's connection sends every 250 ms (answered by the transport: a ping costs a third of a
 * stream heartbeat, the cheapest probe there is), and the dropped connection breaks the stream within half a second.
 * Either way the driver then probes the leader at once (see HeartbeatStream). The heartbeats remain for what no
 * connection shows: a leader that answers pings but no calls (paused by `distlab chaos pause`, or hung), suspected
 * within a second and a heartbeat timeout.
 *
 * A leader re-announces itself to the members that have not heartbeated it within the announce interval, so that
 * interval must exceed the heartbeat interval (by room for a late timer on a busy machine), or every follower would be
 * re-told each time; and no more than that, since it is also how soon two leaders left by a healed partition meet (the
 * higher one's announcement settles it: at 2.5 s, the real-network heal took 2 s, not 0.7; at 1.5 s, up to 1.9 s).
 */
export const PEER_ELECTION_TIMEOUTS: Partial<ElectionTimeouts> = {
  heartbeatIntervalMs: 1_000,
  announceIntervalMs: 1_200,
};

/** What a heartbeat's answer says: whom the probed peer follows (undefined: none), under which term. */
export interface HeartbeatAnswer {
  leader: number | undefined;
  term: number;
}

interface PendingBeat {
  answered(answer: HeartbeatAnswer): void;
  failed(error: ServiceError): void;
  timer: NodeJS.Timeout;
}

/** The one open stream: to whom, on which client (a connection of its own), and its heartbeats not yet answered. */
interface OpenStream {
  peerId: number;
  client: ElectionServiceClient;
  call: ClientDuplexStream<HeartbeatStreamRequest, HeartbeatStreamResponse>;
  pending: Map<string, PendingBeat>;
}

/**
 * The sending side of ElectionService.HeartbeatStream: one long-lived stream from this follower to its leader, opened
 * at the first heartbeat and again after it breaks, on which every heartbeat travels as a message and is answered as
 * one. `beat` resolves to the answer and rejects as the unary Heartbeat would have failed: with the status that ended
 * the stream, or DEADLINE_EXCEEDED when no answer comes within `answerDeadlineMs` (the stream is then dropped: the next
 * heartbeat opens a new one).
 *
 * Each stream has a connection of its own (not shared with the links' clients, whose keepalive is slower), which pings
 * every HEARTBEAT_KEEPALIVE_TIME_MS: a leader cut off without a reset, or stopped, answers no ping, and the connection
 * is dropped within twice that, which ends the stream. A stream that breaks while no heartbeat is on it, so, or when the
 * leader's process dies (its connection closes at once), calls `onBroken`: the driver then probes the leader at once
 * rather than at the next heartbeat, and the probe's new stream, on a new connection (a channel whose dial hangs on a
 * cut link is no use), fails as fast as the connection is refused or its answer deadline passes.
 *
 * A leader that does not implement the stream (a peer of an older version, during a rolling upgrade) is heartbeated by
 * the unary Heartbeat instead, until the leader changes: its UNIMPLEMENTED says nothing of its liveness, and taking it
 * for a failure would start an election that it wins again, over and over.
 */
export class HeartbeatStream {
  private open: OpenStream | undefined;
  private beatsSent = 0;
  private closed = false;
  /** A leader found not to implement HeartbeatStream: heartbeated by unary calls until another leads. */
  private unaryOnly: number | undefined;

  constructor(
    private readonly links: PeerLinks,
    private readonly onBroken: (peerId: number) => void,
    private readonly answerDeadlineMs: number,
  ) {}

  /** Sends one heartbeat to `to` under `term`; see the class comment. */
  async beat(to: number, term: number): Promise<HeartbeatAnswer> {
    if (this.closed) throw serviceError(Code.UNAVAILABLE, 'this peer is closing its links');
    if (this.unaryOnly === to) return this.unaryBeat(to, term);
    try {
      return await this.streamBeat(to, term);
    } catch (error) {
      if ((error as ServiceError).code !== Code.UNIMPLEMENTED) throw error;
      this.unaryOnly = to;
      return this.unaryBeat(to, term);
    }
  }

  private async unaryBeat(to: number, term: number): Promise<HeartbeatAnswer> {
    const answer = await unaryCall(
      this.links.client(ElectionServiceClient, to),
      'heartbeat',
      { fromPeerId: this.links.self, term: String(term) },
      { deadlineMs: this.answerDeadlineMs },
    );
    return { leader: answer.leaderId === 0 ? undefined : answer.leaderId, term: Number(answer.term) };
  }

  private streamBeat(to: number, term: number): Promise<HeartbeatAnswer> {
    const stream = this.streamTo(to);
    this.beatsSent += 1;
    const beatId = String(this.beatsSent);
    return new Promise<HeartbeatAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (stream.pending.delete(beatId)) {
          reject(
            serviceError(
              Code.DEADLINE_EXCEEDED,
              `peer ${to} did not answer a heartbeat within ${this.answerDeadlineMs} ms`,
            ),
          );
          // A stream whose answers stop may sit on a stalled connection: the next heartbeat opens a new one.
          this.drop(stream, `peer ${to} stopped answering heartbeats`);
        }
      }, this.answerDeadlineMs);
      stream.pending.set(beatId, { answered: resolve, failed: reject, timer });
      stream.call.write({ beatId, fromPeerId: this.links.self, term: String(term) });
    });
  }

  /**
   * Keeps a stream open to `leader` (none when undefined): a stream to another peer (a former leader) is closed, and
   * one to `leader` is opened now rather than at the first heartbeat, a heartbeat interval after the leader became
   * known, so that its connection's pings watch the leader from the start.
   */
  follow(leader: number | undefined): void {
    if (this.open !== undefined && this.open.peerId !== leader) this.drop(this.open, 'the leader changed');
    if (this.unaryOnly !== leader) this.unaryOnly = undefined;
    const opens = leader !== undefined && this.open === undefined && this.unaryOnly === undefined;
    if (opens && !this.closed && this.links.has(leader)) this.streamTo(leader);
  }

  close(): void {
    this.closed = true;
    if (this.open !== undefined) this.drop(this.open, 'this peer is closing its links');
  }

  private streamTo(to: number): OpenStream {
    const known = this.open;
    if (known?.peerId === to) return known;
    if (known !== undefined) this.drop(known, `heartbeats now go to peer ${to}`);
    const client = this.links.dedicatedClient(ElectionServiceClient, to, HEARTBEAT_CHANNEL_OPTIONS);
    const call = client.heartbeatStream();
    const stream: OpenStream = { peerId: to, client, call, pending: new Map() };
    this.open = stream;
    call.on('data', (response: HeartbeatStreamResponse) => {
      const beat = stream.pending.get(response.beatId);
      if (beat === undefined) return; // Answered after its deadline: that heartbeat already failed.
      stream.pending.delete(response.beatId);
      clearTimeout(beat.timer);
      beat.answered({ leader: response.leaderId === 0 ? undefined : response.leaderId, term: Number(response.term) });
    });
    // An error status comes as 'error' (with 'status' too); an OK one (the leader drained) as 'status' alone.
    call.on('error', (error: ServiceError) =>
      this.broken(stream, error.code === Code.CANCELLED ? serviceError(Code.UNAVAILABLE, error.details) : error),
    );
    call.on('status', (status: StatusObject) => {
      if (status.code === Code.OK)
        this.broken(stream, serviceError(Code.UNAVAILABLE, `peer ${to} ended the heartbeat stream`));
    });
    return stream;
  }

  /** The stream ended without this side asking: its heartbeats fail, and with none on it the driver is told. */
  private broken(stream: OpenStream, error: ServiceError): void {
    if (this.open !== stream) return; // Dropped by this side: already settled.
    this.open = undefined;
    stream.client.close();
    const hadBeats = stream.pending.size > 0;
    failPending(stream, error);
    // UNIMPLEMENTED: a leader of an older version (see the class comment), alive; the next heartbeat goes unary.
    if (error.code === Code.UNIMPLEMENTED) this.unaryOnly = stream.peerId;
    else if (!hadBeats && !this.closed) this.onBroken(stream.peerId);
  }

  /** Ends the stream from this side; its unanswered heartbeats fail as undelivered. */
  private drop(stream: OpenStream, reason: string): void {
    if (this.open === stream) this.open = undefined;
    stream.call.cancel();
    stream.client.close();
    failPending(stream, serviceError(Code.UNAVAILABLE, reason));
  }
}

function failPending(stream: OpenStream, error: ServiceError): void {
  for (const beat of stream.pending.values()) {
    clearTimeout(beat.timer);
    beat.failed(error);
  }
  stream.pending.clear();
}
