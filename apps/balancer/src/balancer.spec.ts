import { status, type ServiceError } from '@grpc/grpc-js';
import { BalancerServiceClient, BackendHealth, Strategy } from '@distlab/contracts/balancer/v1/balancer';
import { FactorialServiceClient, type ComputeStreamResponse } from '@distlab/contracts/factorial/v1/factorial';
import { createClient, silentLogger, unaryCall } from '@distlab/grpc-kit';
import { startWorker } from '../../factorial-worker/src/worker-server';
import { startBalancer, type RunningBalancer } from './balancer-server';

// The balancer in front of real factorial workers (in this process, each with its own server and thread pool): calls
// are forwarded by service name, errors and streams pass through, unhealthy backends are avoided, deadlines and
// cancellation reach the worker, and a call with no backend is answered UNAVAILABLE naming the service.

type Worker = Awaited<ReturnType<typeof startWorker>>;
let balancer: RunningBalancer;
let workers: Worker[] = [];
let factorial: FactorialServiceClient;
let admin: BalancerServiceClient;

async function addWorker(id: string): Promise<Worker> {
  const worker = await startWorker({
    server: { host: '127.0.0.1', port: 0 },
    logger: silentLogger(),
    workerId: id,
    registry: balancer.address,
    registrationTtlMs: 2000,
    threads: 1,
  });
  workers.push(worker);
  return worker;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition());) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const servingBackends = () =>
  balancer.backends.endpoints('distlab.factorial.v1.FactorialService').filter((endpoint) => endpoint.usable).length;

beforeEach(async () => {
  balancer = await startBalancer({
    server: { host: '127.0.0.1', port: 0 },
    logger: silentLogger(),
    health: { intervalMs: 100, timeoutMs: 500 },
  });
  factorial = createClient(FactorialServiceClient, balancer.address, { deadlineMs: 20_000 });
  admin = createClient(BalancerServiceClient, balancer.address);
});

afterEach(async () => {
  factorial.close();
  admin.close();
  await Promise.all(workers.map((worker) => worker.shutdown(0)));
  workers = [];
  await balancer.shutdown(0);
});

describe('the balancer', () => {
  it('answers UNAVAILABLE naming the service when it has no live backend', async () => {
    const once = createClient(FactorialServiceClient, balancer.address, { maxAttempts: 1 });
    await expect(unaryCall(once, 'compute', { n: '5' })).rejects.toMatchObject({
      code: status.UNAVAILABLE,
      details: 'no live backend for distlab.factorial.v1.FactorialService',
    });
    once.close();
    expect((await unaryCall(admin, 'getStats', { serviceName: '' })).callsWithoutBackend).toBe('1');
  });

  it('forwards calls round-robin over the registered workers, passing errors through unchanged', async () => {
    await addWorker('a');
    await addWorker('b');
    await until(() => servingBackends() === 2);
    const answeredBy = new Map<string, number>();
    for (let call = 0; call < 20; call += 1) {
      const response = await unaryCall(factorial, 'compute', { n: '12' });
      expect(response.value).toBe('479001600');
      answeredBy.set(response.workerId, (answeredBy.get(response.workerId) ?? 0) + 1);
    }
    expect(Object.fromEntries(answeredBy)).toEqual({ a: 10, b: 10 });
    await expect(unaryCall(factorial, 'compute', { n: '-1' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'n must not be negative (got -1)',
    });
  });

  it('streams through, chunk by chunk', async () => {
    await addWorker('a');
    await until(() => servingBackends() === 1);
    const digits = await new Promise<string>((resolve, reject) => {
      const parts: string[] = [];
      const call = factorial.computeStream({ n: '20000', chunkSize: 1000 });
      call.on('data', (chunk: ComputeStreamResponse) => parts.push(chunk.digits));
      call.on('error', reject);
      call.on('end', () => resolve(parts.join('')));
    });
    expect(digits).toBe((await unaryCall(factorial, 'compute', { n: '20000' })).value);
  });

  it('stops sending to a backend that turns NOT_SERVING, and reports it', async () => {
    await addWorker('a');
    const sick = await addWorker('b');
    await until(() => servingBackends() === 2);
    sick.setServing(false);
    await until(() => servingBackends() === 1, 1000);
    for (let call = 0; call < 10; call += 1) {
      expect((await unaryCall(factorial, 'compute', { n: '5' })).workerId).toBe('a');
    }
    const stats = await unaryCall(admin, 'getStats', { serviceName: 'distlab.factorial.v1.FactorialService' });
    expect(stats.backends.map((backend) => backend.health).sort()).toEqual(
      [BackendHealth.BACKEND_HEALTH_SERVING, BackendHealth.BACKEND_HEALTH_NOT_SERVING].sort(),
    );
  });

  it('carries the deadline to the worker, whose computation stops', async () => {
    const worker = await addWorker('a');
    await until(() => servingBackends() === 1);
    await expect(unaryCall(factorial, 'compute', { n: '700000' }, { deadlineMs: 300 })).rejects.toMatchObject({
      code: status.DEADLINE_EXCEEDED,
    });
    await until(() => worker.engine.activeComputations === 0, 2000);
  });

  it('carries a cancellation to the worker, whose computation stops', async () => {
    const worker = await addWorker('a');
    await until(() => servingBackends() === 1);
    const abort = new AbortController();
    const call = unaryCall(factorial, 'compute', { n: '700000' }, { signal: abort.signal });
    await until(() => worker.engine.activeComputations === 1, 2000);
    abort.abort();
    await expect(call).rejects.toMatchObject({ code: status.CANCELLED } as Partial<ServiceError>);
    await until(() => worker.engine.activeComputations === 0, 2000);
  });

  it('switches strategy at run time and reports it', async () => {
    const changed = await unaryCall(admin, 'setStrategy', { strategy: Strategy.STRATEGY_LEAST_OUTSTANDING });
    expect(changed).toEqual({
      previousStrategy: Strategy.STRATEGY_ROUND_ROBIN,
      strategy: Strategy.STRATEGY_LEAST_OUTSTANDING,
    });
    expect((await unaryCall(admin, 'getStats', { serviceName: '' })).strategy).toBe(
      Strategy.STRATEGY_LEAST_OUTSTANDING,
    );
    await expect(unaryCall(admin, 'setStrategy', { strategy: Strategy.STRATEGY_UNSPECIFIED })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });
});
