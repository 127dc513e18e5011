import type { Metadata } from '@grpc/grpc-js';

/**
 * The request header in which the balancer's proxy tells its own services which client a call came from.
 *
 * Why: every call reaches the registry through the proxy, so the registry's own peer is always the proxy on loopback.
 * The proxy removes this header from whatever a client sends and sets it, on calls to its own services only, to the
 * address of the client's connection; the local server listens on loopback for the proxy alone, so the header cannot
 * be forged from outside this machine.
 */
export const CLIENT_ADDRESS_HEADER = 'distlab-client-address';

/** The longest client key kept: an IPv6 address is at most 45 characters. */
const CLIENT_KEY_MAX_CHARS = 64;

/**
 * Who a call to the registry counts against: the IP address of the client's connection, not the connection, because a
 * client opens connections at will, and not the port, which changes with each. Many services on one host count as one
 * client, which the registry's limit allows for (see REGISTRATIONS_PER_CLIENT_MAX).
 */
export function clientOf(call: { metadata: Metadata; getPeer(): string }): string {
  const [forwarded] = call.metadata.get(CLIENT_ADDRESS_HEADER);
  if (typeof forwarded === 'string' && forwarded !== '') return normalizedHost(forwarded);
  return normalizedHost(hostOfPeer(call.getPeer()));
}

/** The host of a grpc-js peer string: `127.0.0.1:5000` or `[::1]:5000`. */
function hostOfPeer(peer: string): string {
  const bracketed = /^\[([^\]]*)\]:\d+$/.exec(peer);
  if (bracketed !== null) return bracketed[1];
  const colon = peer.lastIndexOf(':');
  return colon > 0 && peer.indexOf(':') === colon ? peer.slice(0, colon) : peer;
}

/** An IPv4 client seen through an IPv6 socket (`::ffff:10.0.0.7`) is the same client as over IPv4. */
export function normalizedHost(host: string): string {
  const plain = host.startsWith('::ffff:') && host.includes('.') ? host.slice('::ffff:'.length) : host;
  return plain.slice(0, CLIENT_KEY_MAX_CHARS);
}
