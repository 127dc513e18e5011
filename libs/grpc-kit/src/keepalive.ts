import type { ChannelOptions } from '@grpc/grpc-js';

/**
 * HTTP/2 keepalive for every long-lived connection between distlab processes, and the matching server policy.
 *
 * Why: a link that goes down at the kernel (a partition, a cable pulled, a paused process) loses packets without a
 * reset, so an idle or stalled TCP connection looks alive until TCP's retransmission backoff gives up, which takes
 * tens of seconds and, after the link returns, as long again. A ping every second that must be answered within a
 * second lets a channel notice a silent peer within about two seconds, drop the connection and dial again, so that
 * after a heal the system converges in one or two seconds rather than twenty.
 *
 * The figures: one ping of 17 bytes per second per idle connection is nothing next to the lab's traffic, and a
 * timeout of a second leaves room for a loaded two-core machine to answer a ping late without dropping a healthy
 * connection (HTTP/2 pings are answered by the transport, not by application code). The reconnect backoff is capped
 * at a second so that a connection dropped during a long partition is dialled again within a second of the heal,
 * instead of waiting out grpc-js's default backoff (up to two minutes).
 */
export const KEEPALIVE_TIME_MS = 1000;
/** How long a keepalive ping may go unanswered before the connection counts as dead; see KEEPALIVE_TIME_MS. */
export const KEEPALIVE_TIMEOUT_MS = 1000;
/** The longest a dropped channel waits before dialling again; see KEEPALIVE_TIME_MS. */
export const RECONNECT_BACKOFF_MAX_MS = 1000;

/**
 * Channel options for the long-lived client channels between distlab processes (peer links, registry clients, health
 * watches, CLI watch streams): keepalive pings even while no call is open (a watch stream that waits for events is
 * exactly the connection that must notice a dead link), and a short reconnect backoff. Pass them as
 * `channelOptions` to createClient.
 *
 * Not a default of every client: a process whose event loop stalls past the timeout (seen at a load average of 22
 * on two cores) has its connections dropped and the calls on them failed with "Connection dropped", so short-lived
 * clients, which a deadline already bounds, go without.
 */
export const KEEPALIVE_CHANNEL_OPTIONS: Readonly<Partial<ChannelOptions>> = Object.freeze({
  'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
  'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF_MAX_MS,
});

/**
 * The shortest ping interval a server accepts: a peer's heartbeat stream to its leader pings every 250 ms (apps/peer's
 * HeartbeatStream), the fastest of any distlab client; a little below it leaves room for a timer that fires early.
 */
const FASTEST_CLIENT_PING_MS = 200;

/**
 * Server options for every server the kit starts: a ping policy that accepts our own clients' rate with room to spare.
 * A server that enforces a longer minimum interval (gRPC core's default is five minutes) answers a client that pings
 * every second with GOAWAY "too_many_pings" and drops the very connections keepalive keeps honest. grpc-js servers
 * enforce no policy today; the options are set anyway, so that the figure is stated once beside the client's and
 * holds for any server that reads them.
 *
 * The server sends no keepalive pings of its own: grpc-js 1.14 destroys a session whose ping fails, and a ping sent
 * while the session drains (graceful shutdown) fails, which cut the calls the drain was letting finish. Clients ping,
 * and a client that vanished is dropped when its TCP connection times out.
 */
export const KEEPALIVE_SERVER_OPTIONS: Readonly<Partial<ChannelOptions>> = Object.freeze({
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': FASTEST_CLIENT_PING_MS,
  'grpc.http2.min_time_between_pings_ms': FASTEST_CLIENT_PING_MS,
  'grpc.http2.max_ping_strikes': 0,
});
