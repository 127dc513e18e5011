import { connectivityState, type ChannelInterface, type ChannelOptions } from '@grpc/grpc-js';
import { KEEPALIVE_CHANNEL_OPTIONS } from '@distlab/grpc-kit';

/**
 * How this peer's channels to other peers notice a network that stopped delivering, instead of waiting out TCP.
 *
 * A link taken down at the kernel (a cut cable, a partition) loses packets without a reset. An open connection then
 * stalls: TCP retransmits with a backoff that reaches tens of seconds, and the connection outlives the heal by as much.
 * So every channel pings its peer (the kit's HTTP/2 keepalive: every second, an answer due within a second), and a
 * stalled connection is dropped within about two seconds; the algorithms' retries go on over a fresh one. A new
 * connection to a host behind a cut link stalls as well (its SYN retransmits at 1, 3, 7, 15 s…, and grpc-js sets no
 * connect timeout), so `watchConnecting` gives each attempt CONNECT_ATTEMPT_TIMEOUT_MS and then makes a new channel:
 * after a heal, the next attempt starts within a second and succeeds at once. Peers are on one machine or one LAN,
 * where a connection is made in well under a millisecond, so an attempt that takes a second has lost its SYN.
 *
 * The pings go only while a call is open on the connection (a stream included: a long-lived stream is exactly the
 * connection that must notice a dead link), not at rest. An idle connection has nothing in flight, so a cut link
 * stalls nothing on it until a call is made; and the first call on it sends a ping at once (grpc-js pings as soon as
 * a call opens when a ping fell due while none was), so a stalled connection is still dropped within a second of being
 * used. Pinging idle connections too cost a fifth of what five idle peers used (twenty connections, a ping a second
 * each); the leader is watched by a connection of its own (HeartbeatStream), whose stream is always open.
 */
export const CONNECT_ATTEMPT_TIMEOUT_MS = 1_000;

/** The channel options of every peer-to-peer client: the kit's keepalive while calls are open, a faster first reconnect. */
export const PEER_CHANNEL_OPTIONS: Partial<ChannelOptions> = {
  ...KEEPALIVE_CHANNEL_OPTIONS,
  // Ping only while a call is open: see above.
  'grpc.keepalive_permit_without_calls': 0,
  // Reconnect quickly, so that a restarted peer is reached again within a second.
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.min_reconnect_backoff_ms': 100,
};

/**
 * Calls `onStuck` when `channel` has been connecting for CONNECT_ATTEMPT_TIMEOUT_MS without becoming ready (a SYN lost
 * on a cut link), once; the caller replaces the channel. Stops watching when the channel shuts down or `stop` is called.
 */
export function watchConnecting(channel: ChannelInterface, onStuck: () => void): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const watch = (state: connectivityState) => {
    if (stopped || state === connectivityState.SHUTDOWN) return;
    clearTimeout(timer);
    timer =
      state === connectivityState.CONNECTING
        ? setTimeout(() => {
            if (!stopped && channel.getConnectivityState(false) === connectivityState.CONNECTING) {
              stopped = true;
              onStuck();
            }
          }, CONNECT_ATTEMPT_TIMEOUT_MS).unref()
        : undefined;
    // grpc-js calls back at a change of state, or at the deadline: watch again either way (a far deadline, re-armed).
    channel.watchConnectivityState(state, Date.now() + 60_000, () => watch(channel.getConnectivityState(false)));
  };
  watch(channel.getConnectivityState(false));
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
