import { LeaseNotFoundError, LeaseTable, TooManyRegistrationsError, type RegistryChange } from './lease-table';

function table() {
  let next = 0;
  const leases = new LeaseTable({ newLeaseId: () => `lease-${++next}` });
  const changes: string[] = [];
  leases.onChange((change: RegistryChange) => changes.push(`${change.kind} ${change.registration.address}`));
  return { leases, changes };
}

describe('LeaseTable', () => {
  it('registers an endpoint with a lease that expires after its TTL unless kept alive', () => {
    const { leases } = table();
    const registration = leases.register('svc', '127.0.0.1:1', { worker: 'a' }, 1000, 0);
    expect(registration).toMatchObject({ leaseId: 'lease-1', expireTimeMs: 1000 });
    expect(leases.lookup('svc', 999).map((entry) => entry.address)).toEqual(['127.0.0.1:1']);
    expect(leases.lookup('svc', 1000)).toEqual([]);
  });

  it('keeps a lease alive for another TTL from the keep-alive', () => {
    const { leases } = table();
    leases.register('svc', '127.0.0.1:1', {}, 1000, 0);
    expect(leases.keepAlive('lease-1', 900).expireTimeMs).toBe(1900);
    expect(leases.lookup('svc', 1500)).toHaveLength(1);
  });

  it('refuses to keep alive or deregister an expired lease', () => {
    const { leases } = table();
    leases.register('svc', '127.0.0.1:1', {}, 1000, 0);
    expect(() => leases.keepAlive('lease-1', 1000)).toThrow(LeaseNotFoundError);
    expect(() => leases.deregister('lease-1', 1000)).toThrow(LeaseNotFoundError);
    expect(() => leases.keepAlive('nope', 0)).toThrow('lease "nope" not found');
  });

  it('expires leases at their time and reports them', () => {
    const { leases, changes } = table();
    leases.register('svc', '127.0.0.1:1', {}, 1000, 0);
    leases.register('svc', '127.0.0.1:2', {}, 3000, 0);
    expect(leases.nextExpiryMs()).toBe(1000);
    expect(leases.expire(999)).toEqual([]);
    expect(leases.expire(1000).map((entry) => entry.address)).toEqual(['127.0.0.1:1']);
    expect(leases.nextExpiryMs()).toBe(3000);
    expect(changes).toEqual(['registered 127.0.0.1:1', 'registered 127.0.0.1:2', 'expired 127.0.0.1:1']);
  });

  it('replaces the registration of the same name and address, invalidating the old lease', () => {
    const { leases, changes } = table();
    leases.register('svc', '127.0.0.1:1', {}, 1000, 0);
    leases.register('svc', '127.0.0.1:1', { restarted: 'yes' }, 1000, 10);
    expect(leases.lookup('svc', 20)).toHaveLength(1);
    expect(leases.lookup('svc', 20)[0].metadata).toEqual({ restarted: 'yes' });
    expect(() => leases.keepAlive('lease-1', 20)).toThrow(LeaseNotFoundError);
    expect(changes).toEqual(['registered 127.0.0.1:1', 'replaced 127.0.0.1:1', 'registered 127.0.0.1:1']);
  });

  it('lists by name, then oldest first, filtered by prefix', () => {
    const { leases } = table();
    leases.register('b.svc', '127.0.0.1:3', {}, 1000, 0);
    leases.register('a.svc', '127.0.0.1:2', {}, 1000, 5);
    leases.register('a.svc', '127.0.0.1:1', {}, 1000, 1);
    expect(leases.list('', 10).map((entry) => `${entry.name} ${entry.address}`)).toEqual([
      'a.svc 127.0.0.1:1',
      'a.svc 127.0.0.1:2',
      'b.svc 127.0.0.1:3',
    ]);
    expect(leases.list('b.', 10)).toHaveLength(1);
  });

  it('deregisters at once', () => {
    const { leases, changes } = table();
    leases.register('svc', '127.0.0.1:1', {}, 1000, 0);
    leases.deregister('lease-1', 5);
    expect(leases.lookup('svc', 5)).toEqual([]);
    expect(changes.at(-1)).toBe('deregistered 127.0.0.1:1');
  });
});

describe('LeaseTable limits per client', () => {
  const limited = () => {
    let next = 0;
    return new LeaseTable({ newLeaseId: () => `lease-${++next}`, registrationsPerClientMax: 2 });
  };

  it('refuses a client its registration past the limit, changing nothing, and lets other clients register', () => {
    const leases = limited();
    leases.register('svc', '127.0.0.1:1', {}, 1000, 0, '10.0.0.1');
    leases.register('svc', '127.0.0.1:2', {}, 1000, 0, '10.0.0.1');
    expect(() => leases.register('svc', '127.0.0.1:3', {}, 1000, 0, '10.0.0.1')).toThrow(TooManyRegistrationsError);
    expect(leases.list('', 0).map((entry) => entry.address)).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
    leases.register('svc', '127.0.0.1:3', {}, 1000, 0, '10.0.0.2');
    expect(leases.heldBy('10.0.0.1')).toBe(2);
    expect(leases.heldBy('10.0.0.2')).toBe(1);
  });

  it('lets a client at its limit replace its own registration, and frees a place on deregistration and expiry', () => {
    const leases = limited();
    leases.register('svc', '127.0.0.1:1', {}, 1000, 0, 'a');
    leases.register('svc', '127.0.0.1:2', {}, 5000, 0, 'a');
    expect(leases.register('svc', '127.0.0.1:1', {}, 1000, 10, 'a').leaseId).toBe('lease-3');
    expect(leases.heldBy('a')).toBe(2);
    leases.deregister('lease-2', 20);
    leases.register('svc', '127.0.0.1:4', {}, 1000, 30, 'a');
    expect(() => leases.register('svc', '127.0.0.1:5', {}, 1000, 30, 'a')).toThrow('holds 2 live registrations');
    leases.expire(1010);
    expect(leases.heldBy('a')).toBe(1);
    leases.register('svc', '127.0.0.1:5', {}, 1000, 1010, 'a');
  });

  it("counts an endpoint another client registers again against that client, not the first one's", () => {
    const leases = limited();
    leases.register('svc', '127.0.0.1:1', {}, 1000, 0, 'a');
    leases.register('svc', '127.0.0.1:1', {}, 1000, 0, 'b');
    expect([leases.heldBy('a'), leases.heldBy('b')]).toEqual([0, 1]);
    expect(leases.lookup('svc', 0).map((entry) => entry.client)).toEqual(['b']);
  });
});
