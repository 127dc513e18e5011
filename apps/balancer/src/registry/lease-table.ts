import { randomUUID } from 'node:crypto';
import { quoteClientInput } from '@distlab/grpc-kit';

/**
 * The name server's state: registrations of named endpoints, each kept alive by a lease.
 *
 * Theory of operation. A service registers (name, address) with a time to live and gets a lease; it must renew the
 * lease (keep-alive) before the TTL runs out, or the registration expires and disappears from lookups. Registering
 * the same name and address again replaces the earlier registration and its lease, so a restarted service never
 * leaves a duplicate behind. Time is an input (`nowMs`) to every operation: the table has no clock and no timers of
 * its own, so expiry is exact and testable; the process drives `expire(nowMs)` from a timer.
 *
 * Each registration belongs to the client that made it (the service's peer address), and a client holds at most
 * `registrationsPerClientMax` live ones: every registration costs the balancer a health watch that dials its address,
 * so without a bound one client could make the balancer dial as many bogus addresses as it cares to register.
 */
export interface Registration {
  name: string;
  address: string;
  metadata: Record<string, string>;
  leaseId: string;
  ttlMs: number;
  registerTimeMs: number;
  expireTimeMs: number;
  /** Who registered it: the client's address as the registry sees it (see clientOf in client-address.ts). */
  client: string;
}

/**
 * Live registrations one client (one IP address) may hold by default. `distlab up` registers at most 17 from one host
 * (9 peers, 7 workers and the inventory: the bounds of its options in apps/cli/src/commands/up.ts), a classroom's
 * laptops one or two each, and a deployment's pods each have an address of their own (docs/deploy.md). Every
 * registration is dialled by a health watch, retried up to once a second while nothing answers, which costs the
 * balancer CPU for each address nobody serves: the limit bounds what one client can make it dial.
 */
export const REGISTRATIONS_PER_CLIENT_MAX = 128;

export interface LeaseTableOptions {
  newLeaseId?: () => string;
  registrationsPerClientMax?: number;
}

/** The lease is unknown: it expired, was deregistered, was replaced, or never existed. */
export class LeaseNotFoundError extends Error {
  constructor(readonly leaseId: string) {
    super(`lease ${quoteClientInput(leaseId, 64)} not found (expired, deregistered or replaced): register again`);
  }
}

/** The client already holds as many live registrations as one client may: a definite refusal, nothing was changed. */
export class TooManyRegistrationsError extends Error {
  constructor(
    readonly client: string,
    readonly limit: number,
  ) {
    super(
      `this client (${client.slice(0, 64)}) holds ${limit} live registrations, the most one ` +
        'client may hold: deregister some, or let their leases expire',
    );
  }
}

export type RegistryChange = {
  kind: 'registered' | 'deregistered' | 'expired' | 'replaced';
  registration: Registration;
};

export class LeaseTable {
  private readonly byLease = new Map<string, Registration>();
  /** The lease of each endpoint (name and address), so that a registration finds the one it replaces at once. */
  private readonly byEndpoint = new Map<string, string>();
  private readonly countByClient = new Map<string, number>();
  private readonly listeners: Array<(change: RegistryChange) => void> = [];
  private readonly newLeaseId: () => string;
  private readonly registrationsPerClientMax: number;

  constructor(options: LeaseTableOptions = {}) {
    this.newLeaseId = options.newLeaseId ?? randomUUID;
    this.registrationsPerClientMax = options.registrationsPerClientMax ?? REGISTRATIONS_PER_CLIENT_MAX;
  }

  /** Calls `listener` after every change of membership (not on keep-alives). */
  onChange(listener: (change: RegistryChange) => void): void {
    this.listeners.push(listener);
  }

  register(
    name: string,
    address: string,
    metadata: Record<string, string>,
    ttlMs: number,
    nowMs: number,
    client = 'local',
  ): Registration {
    const previousLease = this.byEndpoint.get(endpointKey(name, address));
    const previous = previousLease === undefined ? undefined : this.byLease.get(previousLease);
    // A client replacing its own registration holds no more than before: only a new one counts against its limit.
    const held = (this.countByClient.get(client) ?? 0) - (previous?.client === client ? 1 : 0);
    if (held >= this.registrationsPerClientMax)
      throw new TooManyRegistrationsError(client, this.registrationsPerClientMax);
    if (previous !== undefined) {
      this.remove(previous);
      this.emit({ kind: 'replaced', registration: previous });
    }
    const registration: Registration = {
      name,
      address,
      metadata: { ...metadata },
      leaseId: this.newLeaseId(),
      ttlMs,
      registerTimeMs: nowMs,
      expireTimeMs: nowMs + ttlMs,
      client,
    };
    this.add(registration);
    this.emit({ kind: 'registered', registration });
    return registration;
  }

  /** Renews a live lease for another TTL from `nowMs`. */
  keepAlive(leaseId: string, nowMs: number): Registration {
    const registration = this.live(leaseId, nowMs);
    registration.expireTimeMs = nowMs + registration.ttlMs;
    return registration;
  }

  deregister(leaseId: string, nowMs: number): Registration {
    const registration = this.live(leaseId, nowMs);
    this.remove(registration);
    this.emit({ kind: 'deregistered', registration });
    return registration;
  }

  /** Live registrations of one name, oldest first. */
  lookup(name: string, nowMs: number): Registration[] {
    return this.list('', nowMs).filter((entry) => entry.name === name);
  }

  /** Live registrations whose name starts with `prefix`, by name, then oldest first. */
  list(prefix: string, nowMs: number): Registration[] {
    return [...this.byLease.values()]
      .filter((entry) => entry.expireTimeMs > nowMs && entry.name.startsWith(prefix))
      .sort(
        (a, b) =>
          a.name.localeCompare(b.name) || a.registerTimeMs - b.registerTimeMs || a.address.localeCompare(b.address),
      );
  }

  /** Removes every registration whose lease ran out by `nowMs`; returns them. */
  expire(nowMs: number): Registration[] {
    const expired = [...this.byLease.values()].filter((entry) => entry.expireTimeMs <= nowMs);
    for (const registration of expired) {
      this.remove(registration);
      this.emit({ kind: 'expired', registration });
    }
    return expired;
  }

  /** When the next lease runs out, if any: the process schedules its next `expire` then. */
  nextExpiryMs(): number | undefined {
    let next: number | undefined;
    for (const entry of this.byLease.values())
      next = next === undefined ? entry.expireTimeMs : Math.min(next, entry.expireTimeMs);
    return next;
  }

  /** How many live registrations a client holds (expired ones count until `expire` removes them). */
  heldBy(client: string): number {
    return this.countByClient.get(client) ?? 0;
  }

  private add(registration: Registration): void {
    this.byLease.set(registration.leaseId, registration);
    this.byEndpoint.set(endpointKey(registration.name, registration.address), registration.leaseId);
    this.countByClient.set(registration.client, this.heldBy(registration.client) + 1);
  }

  private remove(registration: Registration): void {
    this.byLease.delete(registration.leaseId);
    this.byEndpoint.delete(endpointKey(registration.name, registration.address));
    const held = this.heldBy(registration.client) - 1;
    if (held > 0) this.countByClient.set(registration.client, held);
    else this.countByClient.delete(registration.client);
  }

  private live(leaseId: string, nowMs: number): Registration {
    const registration = this.byLease.get(leaseId);
    if (registration === undefined || registration.expireTimeMs <= nowMs) throw new LeaseNotFoundError(leaseId);
    return registration;
  }

  private emit(change: RegistryChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** A name cannot hold a newline (see the registry's name format), so this key is unambiguous. */
function endpointKey(name: string, address: string): string {
  return `${name}\n${address}`;
}
