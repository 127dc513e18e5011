import { join } from 'node:path';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { createClient, silentLogger, unaryCall } from '@distlab/grpc-kit';
import { freePort, startServerProcess, WORKSPACE_ROOT, type ServerProcessHandle } from '@distlab/testing';
import { FACTORIAL_SERVICE_NAME, startWorker } from './worker-server';

// A worker registers itself, keeps its lease alive, registers again when the registry forgets it (the registry
// process restarts), and deregisters when it shuts down. The registry is the real one, as a process.

const REGISTRY = join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts');

async function lookup(address: string): Promise<string[]> {
  const registry = createClient(RegistryServiceClient, address, { maxAttempts: 1, deadlineMs: 1000 });
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
  let registry: ServerProcessHandle = await startServerProcess(REGISTRY, ['--port', String(port)]);
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

    registry.process.child.kill('SIGKILL');
    await registry.process.exited();
    registry = await startServerProcess(REGISTRY, ['--port', String(port)]);
    expect(await eventually(async () => (await lookup(registryAddress)).includes(worker.address), 10_000)).toBe(true);

    await worker.shutdown(1000);
    expect(await lookup(registryAddress)).toEqual([]);
  } finally {
    await worker.shutdown(0);
    registry.process.child.kill('SIGTERM');
    await registry.process.exited();
  }
}, 60_000);
