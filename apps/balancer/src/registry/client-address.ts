import type { Metadata } from '@grpc/grpc-js';
import { clientHostOf, normalizedHost } from '@distlab/grpc-kit';

/**
 * The request header in which the balancer's proxy tells its own services which client a call came from.
 *
 * Why: every call reaches the registry through the proxy, so the registry's own peer is always the proxy on loopback.
 * The proxy removes this header from whatever a client sends and sets it, on calls to its own services only, to the
 * address of the client's connection; the local server listens on loopback for the proxy alone, so the header cannot
 * be forged from outside this machine.
 */
export const CLIENT_ADDRESS_HEADER = 'distlab-client-address';

/**
 * Who a call to the registry counts against: the client's host (clientHostOf), which the proxy forwards in
 * CLIENT_ADDRESS_HEADER. Many services on one host count as one client, which the registry's limit allows for (see
 * REGISTRATIONS_PER_CLIENT_MAX).
 */
export function clientOf(call: { metadata: Metadata; getPeer(): string }): string {
  const [forwarded] = call.metadata.get(CLIENT_ADDRESS_HEADER);
  if (typeof forwarded === 'string' && forwarded !== '') return normalizedHost(forwarded);
  return clientHostOf(call.getPeer());
}
