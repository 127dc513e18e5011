import { randomUUID } from 'node:crypto';

/**
 * The name server's state: registrations of named endpoints, each kept alive by a lease.
 *
 * Theory of operation. A service registers (name, address) with a time to live and gets a lease; it must renew the
 * lease (keep-alive) before the TTL runs out, or the registration expires and disappears from lookups. Registering
 * the same name and address again replaces the earlier registration and its lease, so a restarted service never
 * leaves a duplicate behind. Time is an input (`nowMs`) to every operation: the table has no clock and no timers of
 * its own, so expiry is exact and testable; the process drives `expire(nowMs)` from a timer.
 */
export interface Registration {
  name: string;
  address: string;
  metadata: Record<string, string>;
  leaseId: string;
  ttlMs: number;
  registerTimeMs: number;
  expireTimeMs: number;
}

/** The lease is unknown: it expired, was deregistered, was replaced, or never existed. */
export class LeaseNotFoundError extends Error {
  constructor(readonly leaseId: string) {
    super(`lease ${leaseId} not found (expired, deregistered or replaced): register again`);
  }
}

export type RegistryChange = {
  kind: 'registered' | 'deregistered' | 'expired' | 'replaced';
  registration: Registration;
};

export class LeaseTable {
  private readonly byLease = new Map<string, Registration>();
  private readonly listeners: Array<(change: RegistryChange) => void> = [];

  constructor(private readonly newLeaseId: () => string = randomUUID) {}

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
  ): Registration {
    const previous = [...this.byLease.values()].find((entry) => entry.name === name && entry.address === address);
    if (previous !== undefined) {
      this.byLease.delete(previous.leaseId);
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
    };
    this.byLease.set(registration.leaseId, registration);
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
    this.byLease.delete(leaseId);
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
      this.byLease.delete(registration.leaseId);
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

  private live(leaseId: string, nowMs: number): Registration {
    const registration = this.byLease.get(leaseId);
    if (registration === undefined || registration.expireTimeMs <= nowMs) throw new LeaseNotFoundError(leaseId);
    return registration;
  }

  private emit(change: RegistryChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
