import { status } from '@grpc/grpc-js';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { createClient, msToDuration, silentLogger, unaryCall } from '@distlab/grpc-kit';
import { startBalancer, type RunningBalancer } from '../balancer-server';

// RegistryService through the generated client against a real server: every method and its documented errors, and
// a lease that really expires.

let server: RunningBalancer;
let registry: RegistryServiceClient;

beforeEach(async () => {
  server = await startBalancer({ server: { host: '127.0.0.1', port: 0 }, logger: silentLogger() });
  registry = createClient(RegistryServiceClient, server.address);
});

afterEach(async () => {
  registry.close();
  await server.shutdown(0);
});

const register = (address: string, ttlMs?: number, name = 'distlab.factorial.v1.FactorialService') =>
  unaryCall(registry, 'register', {
    name,
    address,
    metadata: { worker: address },
    ttl: ttlMs === undefined ? undefined : msToDuration(ttlMs),
  });

describe('RegistryService', () => {
  it('registers endpoints and looks them up, oldest first, with a 10 s default lease', async () => {
    const first = await register('127.0.0.1:7001');
    await register('127.0.0.1:7002');
    expect(first.ttl).toEqual({ seconds: '10', nanos: 0 });
    const found = await unaryCall(registry, 'lookup', { name: 'distlab.factorial.v1.FactorialService' });
    expect(found.registrations.map((entry) => entry.address)).toEqual(['127.0.0.1:7001', '127.0.0.1:7002']);
    expect(found.registrations[0].metadata).toEqual({ worker: '127.0.0.1:7001' });
    expect(found.registrations[0].expireTime!.getTime() - found.registrations[0].registerTime!.getTime()).toBe(10_000);
  });

  it('drops a registration whose lease is not kept alive, and keeps one that is', async () => {
    const kept = await register('127.0.0.1:7001', 1000);
    await register('127.0.0.1:7002', 1000);
    for (let beat = 0; beat < 3; beat += 1) {
      await new Promise((resolve) => setTimeout(resolve, 450));
      await unaryCall(registry, 'keepAlive', { leaseId: kept.registration!.leaseId });
    }
    const found = await unaryCall(registry, 'lookup', { name: 'distlab.factorial.v1.FactorialService' });
    expect(found.registrations.map((entry) => entry.address)).toEqual(['127.0.0.1:7001']);
  });

  it('answers NOT_FOUND to a keep-alive of an expired lease, so that the holder registers again', async () => {
    const lease = await register('127.0.0.1:7001', 1000);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect(unaryCall(registry, 'keepAlive', { leaseId: lease.registration!.leaseId })).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining('register again'),
    });
  });

  it('deregisters at once; a second deregistration is NOT_FOUND', async () => {
    const lease = await register('127.0.0.1:7001');
    await unaryCall(registry, 'deregister', { leaseId: lease.registration!.leaseId });
    expect(
      (await unaryCall(registry, 'lookup', { name: 'distlab.factorial.v1.FactorialService' })).registrations,
    ).toEqual([]);
    await expect(unaryCall(registry, 'deregister', { leaseId: lease.registration!.leaseId })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
  });

  it('lists every live registration, or those with a name prefix', async () => {
    await register('127.0.0.1:7001');
    await register('127.0.0.1:7100', undefined, 'distlab.inventory.v1.InventoryService');
    expect((await unaryCall(registry, 'list', { namePrefix: '' })).registrations).toHaveLength(2);
    const inventory = await unaryCall(registry, 'list', { namePrefix: 'distlab.inventory' });
    expect(inventory.registrations.map((entry) => entry.address)).toEqual(['127.0.0.1:7100']);
  });

  it.each([
    ['an empty name', { name: '', address: '127.0.0.1:1' }, 'name must be 1 to 200 characters'],
    ['a name with spaces', { name: 'my service', address: '127.0.0.1:1' }, 'name must be 1 to 200 characters'],
    ['an address without a port', { name: 'svc', address: '127.0.0.1' }, 'address must be host:port'],
    ['port 0', { name: 'svc', address: '127.0.0.1:0' }, 'address must be host:port'],
    [
      'a 20,000-character address, quoted capped and escaped',
      { name: 'svc', address: 'ü'.repeat(20_000) },
      `(got "${'\\u00fc'.repeat(200)}...")`,
    ],
    [
      'a ttl under 1 s',
      { name: 'svc', address: '127.0.0.1:1', ttl: msToDuration(500) },
      'ttl must be between 1s and 1h',
    ],
    [
      '33 metadata entries',
      {
        name: 'svc',
        address: '127.0.0.1:1',
        metadata: Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`k${index}`, 'v'])),
      },
      'metadata must have at most 32 entries',
    ],
  ])('answers INVALID_ARGUMENT to %s', async (_case, request, details) => {
    await expect(unaryCall(registry, 'register', { metadata: {}, ...request })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining(details),
    });
  });

  it('answers INVALID_ARGUMENT to a lookup without a name, and an empty list to an unknown name', async () => {
    await expect(unaryCall(registry, 'lookup', { name: '' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    expect((await unaryCall(registry, 'lookup', { name: 'nobody' })).registrations).toEqual([]);
  });
});
