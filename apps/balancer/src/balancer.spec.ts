import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { BalancerServiceClient, BackendHealth, Strategy } from '@distlab/contracts/balancer/v1/balancer';
import { FactorialServiceClient, type ComputeStreamResponse } from '@distlab/contracts/factorial/v1/factorial';
import { GreeterServiceClient } from '@distlab/contracts/greeter/v1/greeter';
import { createClient, silentLogger, unaryCall, type RunningServer } from '@distlab/grpc-kit';
import { startServerProcess, WORKSPACE_ROOT, type ServerProcessHandle } from '@distlab/testing';
import { startBalancer, type RunningBalancer } from './balancer-server';
import { startGreeterBackend } from './test-support/greeter-backend';

// The balancer in front of real backends: calls are forwarded by service name with no code per service, errors and
// streams pass through, unhealthy backends are avoided, deadlines and cancellation reach the backend, and a call with
// no backend is answered UNAVAILABLE naming the service.

const GREETER = 'distlab.greeter.v1.GreeterService';
let balancer: RunningBalancer;
let backends: Array<RunningServer & { cancelled: number }> = [];
let greeter: GreeterServiceClient;
let admin: BalancerServiceClient;

async function addBackend(id: string) {
  const backend = await startGreeterBackend(id);
  backends.push(backend);
  balancer.leases.register(GREETER, backend.address, {}, 60_000, Date.now());
  return backend;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition());) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const usable = (service = GREETER) => balancer.backends.endpoints(service).filter((endpoint) => endpoint.usable).length;

beforeEach(async () => {
  balancer = await startBalancer({
    server: { host: '127.0.0.1', port: 0 },
    logger: silentLogger(),
    health: { retryMs: 100, timeoutMs: 500 },
  });
  greeter = createClient(GreeterServiceClient, balancer.address, { deadlineMs: 20_000 });
  admin = createClient(BalancerServiceClient, balancer.address);
});

afterEach(async () => {
  greeter.close();
  admin.close();
  await Promise.all(backends.map((backend) => backend.shutdown(0)));
  backends = [];
  await balancer.shutdown(0);
});

describe('the balancer', () => {
  it('answers UNAVAILABLE naming the service when it has no live backend', async () => {
    const once = createClient(GreeterServiceClient, balancer.address, { maxAttempts: 1 });
    await expect(unaryCall(once, 'sayHello', { name: 'Ada' })).rejects.toMatchObject({
      code: status.UNAVAILABLE,
      details: `no live backend for ${GREETER}`,
    });
    once.close();
    expect((await unaryCall(admin, 'getStats', { serviceName: '' })).callsWithoutBackend).toBe('1');
  });

  it('forwards calls round-robin over the registered backends, passing errors through unchanged', async () => {
    await addBackend('a');
    await addBackend('b');
    await until(() => usable() === 2);
    const answeredBy = new Map<string, number>();
    for (let call = 0; call < 20; call += 1) {
      const response = await unaryCall(greeter, 'sayHello', { name: 'Ada' });
      answeredBy.set(response.serverId, (answeredBy.get(response.serverId) ?? 0) + 1);
    }
    expect(Object.fromEntries(answeredBy)).toEqual({ a: 10, b: 10 });
    await expect(unaryCall(greeter, 'sayHello', { name: '' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'name must not be empty',
    });
  });

  it('stops sending to a backend that turns NOT_SERVING, and reports it', async () => {
    await addBackend('a');
    const sick = await addBackend('b');
    await until(() => usable() === 2);
    sick.setServing(false);
    await until(() => usable() === 1, 1000);
    for (let call = 0; call < 10; call += 1)
      expect((await unaryCall(greeter, 'sayHello', { name: 'Ada' })).serverId).toBe('a');
    const stats = await unaryCall(admin, 'getStats', { serviceName: GREETER });
    expect(stats.backends.map((backend) => backend.health).sort()).toEqual(
      [BackendHealth.BACKEND_HEALTH_SERVING, BackendHealth.BACKEND_HEALTH_NOT_SERVING].sort(),
    );
  });

  it('stops sending to a backend that stops answering, within a second', async () => {
    await addBackend('a');
    const gone = await addBackend('b');
    await until(() => usable() === 2);
    await gone.shutdown(0);
    await until(() => usable() === 1, 1000);
  });

  it('carries the deadline to the backend, which sees the call cancelled', async () => {
    const backend = await addBackend('a');
    await until(() => usable() === 1);
    await expect(unaryCall(greeter, 'sayHello', { name: 'slow:5000' }, { deadlineMs: 300 })).rejects.toMatchObject({
      code: status.DEADLINE_EXCEEDED,
    });
    await until(() => backend.cancelled === 1, 2000);
  });

  it('carries a cancellation to the backend', async () => {
    const backend = await addBackend('a');
    await until(() => usable() === 1);
    const abort = new AbortController();
    const call = unaryCall(greeter, 'sayHello', { name: 'slow:5000' }, { signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    await expect(call).rejects.toMatchObject({ code: status.CANCELLED } as Partial<ServiceError>);
    await until(() => backend.cancelled === 1, 2000);
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

  it('streams through, chunk by chunk, from a factorial worker process that registered itself', async () => {
    const worker: ServerProcessHandle = await startServerProcess(
      join(WORKSPACE_ROOT, 'apps', 'factorial-worker', 'src', 'main.ts'),
      ['--registry', balancer.address],
    );
    try {
      await until(() => usable('distlab.factorial.v1.FactorialService') === 1, 10_000);
      const factorial = createClient(FactorialServiceClient, balancer.address);
      const digits = await new Promise<string>((resolve, reject) => {
        const parts: string[] = [];
        const call = factorial.computeStream({ n: '20000', chunkSize: 1000 });
        call.on('data', (chunk: ComputeStreamResponse) => parts.push(chunk.digits));
        call.on('error', reject);
        call.on('end', () => resolve(parts.join('')));
      });
      expect(digits).toBe((await unaryCall(factorial, 'compute', { n: '20000' })).value);
      factorial.close();
    } finally {
      worker.process.child.kill('SIGTERM');
      await worker.process.exited();
    }
  }, 30_000);
});
