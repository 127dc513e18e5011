import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { InvalidArgumentError } from 'commander';

/** Addresses that mean "every interface of this machine": bound, they accept from anywhere; dialled, nowhere useful. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '[0.0.0.0]']);

/** Whether a host names this machine's loopback interface only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** The host part of `host:port` (`[ipv6]:port` too). */
export function hostOf(address: string): string {
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(address);
  if (bracketed !== null) return bracketed[1];
  return address.slice(0, address.lastIndexOf(':'));
}

/**
 * Whether a host surely names this machine: loopback, this machine's host name, or an address of one of its
 * interfaces (in its network namespace). A registry there is dialled from here, so a loopback address is fine for it.
 */
export function isThisMachine(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (isLoopbackHost(bare) || bare === hostname().toLowerCase()) return true;
  return Object.values(networkInterfaces()).some((addresses) =>
    (addresses ?? []).some((address) => address.address.toLowerCase() === bare),
  );
}

/**
 * Parses `--advertise`: `host:port`, or a bare `host` that takes the port the server listens on (useful with
 * `--port 0` and in containers, where the pod's address is known and the port is fixed). A wildcard is refused: it is
 * what a server binds, never what another machine can dial.
 */
export function parseAdvertise(raw: string): string {
  const value = raw.trim();
  const match = /^(\[[0-9a-fA-F:.]{2,45}\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::(\d{1,5}))?$/.exec(
    value,
  );
  const host = match?.[1];
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  if (host === undefined || (port !== undefined && (port < 1 || port > 65535)))
    throw new InvalidArgumentError(
      `--advertise must be host or host:port ([ipv6] in brackets, port 1 to 65535), not "${raw.slice(0, 80)}"`,
    );
  if (WILDCARD_HOSTS.has(host))
    throw new InvalidArgumentError(
      `--advertise ${host} is a wildcard that no other machine can dial: give this machine's address or name`,
    );
  return value;
}

/** A server refuses to register an address its registry's other users could not reach. */
export class UnreachableAdvertiseError extends Error {}

/**
 * Refuses, before a server starts, to go on with an address its registry's other users could not reach: a server bound
 * to a wildcard (0.0.0.0 or ::) without `--advertise` would announce a loopback address, and one bound to loopback
 * cannot be reached at all, when the registry is on another machine. Throws UnreachableAdvertiseError saying what to
 * pass. With the registry on this machine (or none), loopback is fine: everything that dials it is here too (only
 * this machine's own names and addresses are known to be here; any other name counts as another machine).
 */
export function requireAdvertisable(listenHost: string, advertise: string | undefined, registry: string | undefined) {
  const registryIsRemote = registry !== undefined && !isThisMachine(hostOf(registry));
  if (advertise !== undefined || !registryIsRemote) return;
  if (WILDCARD_HOSTS.has(listenHost))
    throw new UnreachableAdvertiseError(
      `listening on ${listenHost} without --advertise would register a loopback address (127.0.0.1), which no other ` +
        `machine can reach through the registry at ${registry}: pass --advertise HOST[:PORT] with this machine's ` +
        `address as the others see it (or listen on that address with --host)`,
    );
  if (isLoopbackHost(listenHost))
    throw new UnreachableAdvertiseError(
      `listening on loopback (${listenHost}) cannot serve the registry's users at ${registry}: listen on a ` +
        `routable address (--host ADDR, or --host 0.0.0.0 with --advertise ADDR)`,
    );
}

/**
 * The address a server registers and announces for others to dial: `--advertise` (a bare host gets the listening
 * port), else the listening address, after requireAdvertisable's check.
 */
export function advertisedAddress(
  listening: { host: string; port: number; address: string },
  advertise: string | undefined,
  registry: string | undefined,
): string {
  requireAdvertisable(listening.host, advertise, registry);
  if (advertise === undefined) return listening.address;
  return /:\d+$/.test(advertise) ? advertise : `${advertise}:${listening.port}`;
}
