import { join } from 'node:path';
import { BackendHealth, BalancerServiceClient } from '@distlab/contracts/balancer/v1/balancer';
import { FactorialServiceClient } from '@distlab/contracts/factorial/v1/factorial';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { freePort, startServerProcess, WORKSPACE_ROOT, type ServerProcessHandle } from '@distlab/testing';

// Real processes: a balancer and two factorial workers that register themselves. Under a steady load of calls, one
// worker is killed with SIGKILL: the client sees no failed call, because the balancer retries the calls that were on
// the dead worker (Compute is free of side effects) and stops picking it. Restarted on the same port, the worker
// registers again and gets calls again.

const BALANCER = join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts');
const WORKER = join(WORKSPACE_ROOT, 'apps', 'factorial-worker', 'src', 'main.ts');
const LOOPS = 4;
const CALLS_PER_LOOP_MAX = 400;
const LOAD_TIME_LIMIT_MS = 20_000;

const started: ServerProcessHandle[] = [];

async function startWorkerProcess(registry: string, id: string, port: number): Promise<ServerProcessHandle> {
  const worker = await startServerProcess(WORKER, [
    '--registry',
    registry,
    '--worker-id',
    id,
    '--registration-ttl-ms',
    '2000',
    '--port',
    String(port),
  ]);
  started.push(worker);
  await worker.process.waitForLine((line) => line.includes('"msg":"registered"'));
  return worker;
}

afterAll(async () => {
  await Promise.all(started.map((handle) => handle.process.stop()));
});

it('loses no call when a worker is killed with SIGKILL under load, and uses it again once it restarts', async () => {
  const balancer = await startServerProcess(BALANCER, []);
  started.push(balancer);
  const ports = [await freePort(), await freePort()];
  const victim = await startWorkerProcess(balancer.address, 'victim', ports[0]);
  await startWorkerProcess(balancer.address, 'survivor', ports[1]);

  const client = createClient(FactorialServiceClient, balancer.address, { deadlineMs: 10_000, maxAttempts: 1 });
  const answeredBy = new Map<string, number>();
  const failures: string[] = [];
  let completed = 0;
  let killed = false;
  const startedAt = Date.now();
  // Wait until both workers have answered, so that the kill lands while calls are spread over both.
  while (answeredBy.size < 2 && Date.now() - startedAt < 10_000) {
    const response = await unaryCall(client, 'compute', { n: '2000' });
    answeredBy.set(response.workerId, (answeredBy.get(response.workerId) ?? 0) + 1);
  }
  expect([...answeredBy.keys()].sort()).toEqual(['survivor', 'victim']);

  await Promise.all(
    Array.from({ length: LOOPS }, async () => {
      for (let call = 0; call < CALLS_PER_LOOP_MAX && Date.now() - startedAt < LOAD_TIME_LIMIT_MS; call += 1) {
        try {
          const response = await unaryCall(client, 'compute', { n: '3000' });
          answeredBy.set(response.workerId, (answeredBy.get(response.workerId) ?? 0) + 1);
        } catch (error) {
          failures.push(String(error));
        }
        completed += 1;
        if (completed === 200 && !killed) {
          killed = true;
          victim.process.child.kill('SIGKILL');
        }
      }
    }),
  );
  expect(killed).toBe(true);
  expect(failures).toEqual([]);
  expect(completed).toBeGreaterThan(400);
  const admin = createClient(BalancerServiceClient, balancer.address);
  const stats = await unaryCall(admin, 'getStats', { serviceName: 'distlab.factorial.v1.FactorialService' });
  admin.close();
  expect(Number(stats.callsRetried)).toBeGreaterThan(0); // The failover path ran: calls did go to the dead worker.
  // The dead worker is either marked unreachable or, once its lease ran out, gone from the registry altogether.
  expect([undefined, BackendHealth.BACKEND_HEALTH_UNREACHABLE]).toContain(
    stats.backends.find((backend) => backend.address === victim.address)?.health,
  );

  // The same worker, restarted on the same port, is picked again.
  await victim.process.exited();
  await startWorkerProcess(balancer.address, 'victim-again', ports[0]);
  const after = new Set<string>();
  for (let call = 0; call < 50 && !after.has('victim-again'); call += 1) {
    after.add((await unaryCall(client, 'compute', { n: '10' })).workerId);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(after.has('victim-again')).toBe(true);
  client.close();
}, 90_000);
