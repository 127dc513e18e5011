import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FactorialServiceClient } from '@distlab/contracts/factorial/v1/factorial';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { checkHealth, createClient, createHealthClient, unaryCall } from '@distlab/grpc-kit';
import { freePortRange, hasOpenssl, type SpawnedProcess, spawnDistlab } from '@distlab/testing';
import { layout } from './system';

// `distlab up --host ADDR` binds and advertises ADDR for everything it starts. Proves it on 127.0.0.2, a loopback
// address other than the default: every process serves there and not on 127.0.0.1, everything registers its 127.0.0.2
// address, and a factorial goes through the balancer to a worker found at that address. With --secure, the CA's
// certificate covers that address too, so every TLS call (the supervisor's, the peers', a client's) verifies.

const HOST = '127.0.0.2';
let supervisor: SpawnedProcess | undefined;

afterEach(async () => {
  await supervisor?.stop();
});

async function healthOf(address: string): Promise<string> {
  const client = createHealthClient(address, { deadlineMs: 1000, maxAttempts: 1 });
  try {
    return await checkHealth(client);
  } catch {
    return 'UNREACHABLE';
  } finally {
    client.close();
  }
}

describe('distlab up --host', () => {
  it('binds and advertises the given address for every process', async () => {
    const base = await freePortRange(20);
    const dir = mkdtempSync(join(tmpdir(), 'distlab-up-host-'));
    supervisor = spawnDistlab([
      ...['up', '--host', HOST, '--peers', '2', '--workers', '1', '--base-port', String(base)],
      ...['--data-dir', join(dir, 'inventory'), '--events-dir', join(dir, 'events'), '--state-dir', join(dir, 'state')],
    ]);
    await supervisor.waitForLine((line) => line === 'distlab is up: 5 processes', 90_000);
    const ports = layout(base, 2, 1);
    const all = [ports.balancer, ports.inventory, ...ports.workers, ...ports.peers.map((peer) => peer.port)];
    for (const port of all) {
      expect(await healthOf(`${HOST}:${port}`)).toBe('SERVING');
      expect(await healthOf(`127.0.0.1:${port}`)).toBe('UNREACHABLE');
    }

    const balancer = `${HOST}:${ports.balancer}`;
    const registry = createClient(RegistryServiceClient, balancer);
    const factorial = createClient(FactorialServiceClient, balancer);
    try {
      const listed = await unaryCall(registry, 'list', { namePrefix: '' });
      const addresses = listed.registrations.map((registration) => registration.address);
      expect(addresses.length).toBeGreaterThanOrEqual(4);
      for (const address of addresses) expect(address.startsWith(`${HOST}:`)).toBe(true);
      expect(await unaryCall(factorial, 'compute', { n: '12' })).toMatchObject({ value: '479001600' });
    } finally {
      registry.close();
      factorial.close();
    }
  }, 120_000);

  (hasOpenssl() ? it : it.skip)(
    'with --secure, serves TLS with a certificate that names the address',
    async () => {
      const base = await freePortRange(20);
      const dir = mkdtempSync(join(tmpdir(), 'distlab-up-host-'));
      supervisor = spawnDistlab([
        ...['up', '--host', HOST, '--secure', '--secrets-dir', join(dir, 'tls'), '--peers', '2', '--workers', '1'],
        ...['--base-port', String(base), '--data-dir', join(dir, 'inventory')],
        ...['--events-dir', join(dir, 'events'), '--state-dir', join(dir, 'state')],
      ]);
      await supervisor.waitForLine((line) => line === 'distlab is up: 5 processes', 120_000);
      const factorial = createClient(FactorialServiceClient, `${HOST}:${layout(base, 2, 1).balancer}`, {
        tls: { caFile: join(dir, 'tls', 'ca.crt') },
        token: readFileSync(join(dir, 'tls', 'token'), 'utf8').trim(),
      });
      try {
        expect(await unaryCall(factorial, 'compute', { n: '12' })).toMatchObject({ value: '479001600' });
      } finally {
        factorial.close();
      }
    },
    180_000,
  );
});
