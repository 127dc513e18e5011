/** The longest client key kept: an IPv6 address is at most 45 characters. */
const CLIENT_KEY_MAX_CHARS = 64;

/**
 * Who a call counts against, where a server bounds what one client may hold (registrations, watch streams): the IP
 * address of the client's connection, not the connection, because a client opens connections at will, and not the
 * port, which changes with each. Many processes on one host count as one client. `peer` is grpc-js's `getPeer()`:
 * `127.0.0.1:5000` or `[::1]:5000`.
 */
export function clientHostOf(peer: string): string {
  return normalizedHost(hostOfPeer(peer));
}

/** The host of a grpc-js peer string. */
function hostOfPeer(peer: string): string {
  const bracketed = /^\[([^\]]*)\]:\d+$/.exec(peer);
  if (bracketed !== null) return bracketed[1];
  const colon = peer.lastIndexOf(':');
  return colon > 0 && peer.indexOf(':') === colon ? peer.slice(0, colon) : peer;
}

/** An IPv4 client seen through an IPv6 socket (`::ffff:10.0.0.7`) is the same client as over IPv4; at most 64 chars. */
export function normalizedHost(host: string): string {
  const plain = host.startsWith('::ffff:') && host.includes('.') ? host.slice('::ffff:'.length) : host;
  return plain.slice(0, CLIENT_KEY_MAX_CHARS);
}
