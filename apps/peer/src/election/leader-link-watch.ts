import { connectivityState, type ChannelInterface, type ChannelOptions } from '@grpc/grpc-js';
import type { ElectionTimeouts } from '@distlab/election';

/** The leader link's keepalive: a ping every 250 ms, dropped if unanswered for 250 ms. See LeaderLinkWatch. */
const LEADER_KEEPALIVE_TIME_MS = 250;
export const LEADER_LINK_CHANNEL_OPTIONS: Readonly<Partial<ChannelOptions>> = Object.freeze({
  'grpc.keepalive_time_ms': LEADER_KEEPALIVE_TIME_MS,
  'grpc.keepalive_timeout_ms': LEADER_KEEPALIVE_TIME_MS,
  'grpc.keepalive_permit_without_calls': 1,
});

/**
 * The election timeouts a peer runs with, unless it is given others: the core's, with heartbeats ten times rarer.
 *
 * Why: at rest, a heartbeat every 100 ms from each of four followers was a unary call each (client, server, their
 * interceptors and metrics), and five idle peers used about 0.13 of a core for it. The common failure, a leader whose
 * process dies, no longer waits for a heartbeat to be noticed: its connection closes, and LeaderLinkWatch probes the
 * leader at once (see there); nor does a leader cut off without a reset (a partition), whose watched connection misses
 * its fast keepalive pings within half a second. The heartbeats remain for what no connection shows: a leader that
 * answers pings but no calls (paused by `distlab chaos pause`, or hung), which is now suspected within a second and a
 * heartbeat timeout instead of a quarter of one.
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

/**
 * Watches the connection to the leader and calls `onLost` when it stops being ready: the leader's process died (its
 * socket closed at once), drained (GOAWAY), or the kit's keepalive found the link silent. The driver then probes the
 * leader with a heartbeat instead of waiting for the next one, so that a dead leader is suspected within a
 * round trip (the probe's connection is refused) rather than within a heartbeat interval, at no cost while the
 * connection stays up: a kill -9 of the leader is noticed as fast as with ten heartbeats a second, and at rest
 * nothing runs.
 *
 * The watch has a connection of its own, whose HTTP/2 keepalive pings every LEADER_KEEPALIVE_TIME_MS: a leader cut off
 * without a reset (a partition) or stopped (SIGSTOP) answers no ping, and the connection is dropped within twice that.
 * Pings are answered by the transport, far below the cost of a heartbeat call through both sides' gRPC stacks, so the
 * watch costs little at rest (five idle peers: `npm run bench:anchors -- --only rest`) while it brings a cut-off
 * leader's detection back under half a second (`apps/peer/bench/real-network.bench.ts`). A new connection is opened for each watch (and again after a loss),
 * since a channel whose connection attempt hangs on a cut link is no use to watch.
 */
export class LeaderLinkWatch {
  private watched: { peerId: number; stop: () => void } | undefined;

  /**
   * @param open  a connection to `peerId` for this watch alone (undefined: not a member now), pinging every
   *   LEADER_KEEPALIVE_TIME_MS (LEADER_LINK_CHANNEL_OPTIONS); closed when the watch ends
   */
  constructor(
    private readonly open: (peerId: number) => { channel: ChannelInterface; close(): void } | undefined,
    private readonly onLost: (peerId: number) => void,
  ) {}

  /** Watches the link to `leader` (undefined, or this peer itself: nothing to watch). */
  follow(leader: number | undefined): void {
    if (this.watched?.peerId === leader) return;
    this.stop();
    if (leader === undefined) return;
    const link = this.open(leader);
    if (link === undefined) return;
    const stopWatching = watchReadyLost(link.channel, () => this.lost(leader));
    this.watched = { peerId: leader, stop: () => (stopWatching(), link.close()) };
  }

  stop(): void {
    this.watched?.stop();
    this.watched = undefined;
  }

  private lost(peerId: number): void {
    if (this.watched?.peerId !== peerId) return;
    this.watched.stop();
    this.watched = undefined;
    this.onLost(peerId);
    // Watch the next connection too: the probe (or the next heartbeat) dials again.
    this.follow(peerId);
  }
}

/**
 * Calls `onLost` once, when `channel` goes from READY to any other state (or shuts down). Before it is first READY it
 * waits for that. One pending watch at a time, with a far deadline re-armed when it passes.
 */
function watchReadyLost(channel: ChannelInterface, onLost: () => void): () => void {
  let stopped = false;
  let wasReady = false;
  const watch = () => {
    if (stopped) return;
    const state = channel.getConnectivityState(wasReady ? false : true);
    if (state === connectivityState.READY) wasReady = true;
    else if (wasReady || state === connectivityState.SHUTDOWN) {
      stopped = true;
      onLost();
      return;
    }
    channel.watchConnectivityState(state, Date.now() + 60_000, watch);
  };
  watch();
  return () => {
    stopped = true;
  };
}
