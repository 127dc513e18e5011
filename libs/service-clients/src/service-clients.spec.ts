import { join } from 'node:path';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { Code, createClient, silentLogger, unaryCall } from '@distlab/grpc-kit';
import { startPeerProcess, startServerProcess, WORKSPACE_ROOT, type ServerProcessHandle } from '@distlab/testing';
import { keepRegistered, LockSession } from './index';

// The two shared clients against the real services, as processes: a registration appears in the registry while it
// is kept and is gone once stopped; a lock session is granted, refuses a token it does not hold with the peer's own
// status, releases, and on close gives back what it held.

let registry: ServerProcessHandle;
let peer: ServerProcessHandle;

beforeAll(async () => {
  [registry, peer] = await Promise.all([
    startServerProcess(join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts')),
    startPeerProcess(1),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([registry?.process.stop(), peer?.process.stop()]);
});

async function registered(name: string): Promise<string[]> {
  const client = createClient(RegistryServiceClient, registry.address);
  try {
    const { registrations } = await unaryCall(client, 'list', { namePrefix: name });
    return registrations.map((registration) => registration.address);
  } finally {
    client.close();
  }
}

describe('keepRegistered', () => {
  it('registers, keeps the lease while running, and deregisters when stopped', async () => {
    const kept = keepRegistered({
      registry: registry.address,
      name: 'service-clients.test',
      address: '127.0.0.1:4321',
      ttlMs: 1_500,
      logger: silentLogger(),
    });
    await kept.registered;
    expect(await registered('service-clients.test')).toEqual(['127.0.0.1:4321']);
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // Longer than the TTL: renewals kept it.
    expect(await registered('service-clients.test')).toEqual(['127.0.0.1:4321']);
    await kept.stop();
    expect(await registered('service-clients.test')).toEqual([]);
  }, 30_000);
});

describe('LockSession', () => {
  it('acquires, refuses a token it does not hold with the peer’s status, releases, and frees its hold on close', async () => {
    const client = createClient(MutexServiceClient, peer.address, { maxAttempts: 1 });
    try {
      const session = new LockSession(client);
      const grant = await session.acquire({ leaseMs: 10_000, clientName: 'service-clients' });
      expect(Number(grant.fencingToken)).toBeGreaterThan(0);
      await expect(session.release('999999')).rejects.toMatchObject({ code: Code.FAILED_PRECONDITION });
      await session.release(grant.fencingToken);
      const second = await session.acquire({ leaseMs: 10_000 });
      expect(Number(second.fencingToken)).toBeGreaterThan(Number(grant.fencingToken));
      session.close(); // Held when closed: the peer releases it.
      const next = new LockSession(client);
      const third = await next.acquire({ leaseMs: 10_000, waitTimeoutMs: 10_000 });
      expect(Number(third.fencingToken)).toBeGreaterThan(Number(second.fencingToken));
      next.close();
    } finally {
      client.close();
    }
  }, 30_000);
});
