import { connectivityState, type ChannelInterface } from '@grpc/grpc-js';
import type { ElectionTimeouts } from '@distlab/election';

/**
 * The election timeouts a peer runs with, unless it is given others: the core's, with heartbeats ten times rarer.
 *
 * Why: at rest, a heartbeat every 100 ms from each of four followers was a unary call each (client, server, their
 * interceptors and metrics), and five idle peers used about 0.13 of a core for it. The common failure, a leader whose
 * process dies, no longer waits for a heartbeat to be noticed: its connection closes, and LeaderLinkWatch probes the
 * leader at once (see there). The heartbeats remain for what a broken connection does not show: a leader that is
 * alive to TCP but answers nothing (paused, hung, cut off without a reset), which is now suspected within a second
 * and a heartbeat timeout instead of a quarter of one; the kit's HTTP/2 keepalive drops a silent connection within
 * about two seconds as well. A leader re-announces itself to the members that have not heartbeated it within the
 * announce interval, so that interval must exceed the heartbeat interval (by room for a late timer on a busy machine),
 * or every follower would be re-told each time; and no more than that, since it is also how soon two leaders left by a
 * healed partition meet (the higher one's announcement settles it: at 2.5 s, the real-network heal took 2 s, not 0.7).
 *
 * A connection of its own to the leader with faster HTTP/2 pings (250 ms) was tried for partitions: it brought a cut
 * leader's failover back to 0.8–1.0 s but cost a third of the CPU budget at rest (0.020 → 0.027 of a core), and the
 * probe it triggers adds its own deadline, so it gained little over the heartbeat a second.
 */
export const PEER_ELECTION_TIMEOUTS: Partial<ElectionTimeouts> = {
  heartbeatIntervalMs: 1_000,
  announceIntervalMs: 1_500,
};

/**
 * Watches the connection to the leader and calls `onLost` when it stops being ready: the leader's process died (its
 * socket closed at once), drained (GOAWAY), or the kit's keepalive found the link silent. The driver then probes the
 * leader with a heartbeat instead of waiting for the next one, so that a dead leader is suspected within a
 * round trip (the probe's connection is refused) rather than within a heartbeat interval, at no cost while the
 * connection stays up: a kill -9 of the leader is noticed as fast as with ten heartbeats a second, and at rest
 * nothing runs.
 *
 * The channel is given by `channelOf` each time a watch begins, since the links replace a channel whose connection
 * attempt hangs. A watch started before the channel first connects waits for it to become ready.
 */
export class LeaderLinkWatch {
  private watched: { peerId: number; stop: () => void } | undefined;

  constructor(
    private readonly channelOf: (peerId: number) => ChannelInterface | undefined,
    private readonly onLost: (peerId: number) => void,
  ) {}

  /** Watches the link to `leader` (undefined, or this peer itself: nothing to watch). */
  follow(leader: number | undefined): void {
    if (this.watched?.peerId === leader) return;
    this.stop();
    if (leader === undefined) return;
    const channel = this.channelOf(leader);
    if (channel === undefined) return;
    this.watched = { peerId: leader, stop: watchReadyLost(channel, () => this.lost(leader)) };
  }

  stop(): void {
    this.watched?.stop();
    this.watched = undefined;
  }

  private lost(peerId: number): void {
    if (this.watched?.peerId !== peerId) return;
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
