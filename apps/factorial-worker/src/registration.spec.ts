import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { createClient, silentLogger, startServer, unaryCall, type RunningServer } from '@distlab/grpc-kit';
import { freePort } from '@distlab/testing';
import { RegistryServiceService } from '@distlab/contracts/registry/v1/registry';
import { FACTORIAL_SERVICE_NAME, startWorker } from './worker-server';

// A worker registers itself, keeps its lease alive, registers again when the registry forgets it (a registry
// restart), and deregisters when it shuts down. The registry here is the real one, from the balancer app's process.
import { LeaseTable } from '../../balancer/src/registry/lease-table';
import { registryService } from '../../balancer/src/registry/registry-service';

async function startRegistry(port: number): Promise<RunningServer> {
  const leases = new LeaseTable();
  return startServer({
    host: '127.0.0.1',
    port,
    logger: silentLogger(),
    services: [{ definition: RegistryServiceService, implementation: registryService(leases, silentLogger()) }],
  });
}

async function lookup(address: string): Promise<string[]> {
  const registry = createClient(RegistryServiceClient, address, { maxAttempts: 1 });
  try {
    return (await unaryCall(registry, 'lookup', { name: FACTORIAL_SERVICE_NAME })).registrations.map(
      (entry) => entry.address,
    );
  } catch {
    return [];
  } finally {
    registry.close();
  }
}

async function eventually(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

it('registers, keeps the lease alive, re-registers after a registry restart, and deregisters on shutdown', async () => {
  const port = await freePort();
  const registryAddress = `127.0.0.1:${port}`;
  let registry = await startRegistry(port);
  const worker = await startWorker({
    server: { host: '127.0.0.1', port: 0 },
    logger: silentLogger(),
    registry: registryAddress,
    registrationTtlMs: 1000,
    threads: 1,
  });
  try {
    expect(await eventually(async () => (await lookup(registryAddress)).includes(worker.address), 5000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // Longer than the TTL: only keep-alives keep it there.
    expect(await lookup(registryAddress)).toEqual([worker.address]);

    await registry.shutdown(0);
    registry = await startRegistry(port);
    expect(await lookup(registryAddress)).toEqual([]);
    expect(await eventually(async () => (await lookup(registryAddress)).includes(worker.address), 10_000)).toBe(true);

    await worker.shutdown(1000);
    expect(await lookup(registryAddress)).toEqual([]);
  } finally {
    await worker.shutdown(0);
    await registry.shutdown(0);
  }
}, 60_000);
