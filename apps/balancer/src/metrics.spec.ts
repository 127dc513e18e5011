import { join } from 'node:path';
import { GreeterServiceClient } from '@distlab/contracts/greeter/v1/greeter';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { createClient, msToDuration, unaryCall, type RunningServer } from '@distlab/grpc-kit';
import {
  freePort,
  scrapeMetrics,
  startServerProcess,
  WORKSPACE_ROOT,
  type ServerProcessHandle,
} from '@distlab/testing';
import { startGreeterBackend } from './test-support/greeter-backend';

// A real balancer process with --metrics-port in front of two greeter backends registered through its registry.
// Proves that its /metrics answers in Prometheus text format with each backend's health and pick count, and with the
// kit's per-method figures of its own services (the registry's Register).

const GREETER = 'distlab.greeter.v1.GreeterService';
let balancer: ServerProcessHandle | undefined;
let backends: RunningServer[] = [];

afterEach(async () => {
  await Promise.all(backends.map((backend) => backend.shutdown(0)));
  backends = [];
  await balancer?.process.stop();
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('balancer metrics', () => {
  it('shows backend health and picks per backend, and its own calls per method', async () => {
    const metricsPort = await freePort();
    balancer = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts'), [
      '--metrics-port',
      String(metricsPort),
    ]);
    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    const registry = createClient(RegistryServiceClient, balancer.address);
    const greeter = createClient(GreeterServiceClient, balancer.address);
    try {
      for (const id of ['a', 'b']) {
        const backend = await startGreeterBackend(id);
        backends.push(backend);
        await unaryCall(registry, 'register', {
          name: GREETER,
          address: backend.address,
          metadata: {},
          ttl: msToDuration(60_000),
        });
      }
      const addresses = backends.map((backend) => backend.address);
      await until(async () => {
        const scrape = await scrapeMetrics(url);
        const up = addresses.map((backend) => scrape.find('distlab_balancer_backend_up', { backend })[0]?.value);
        return up.every((value) => value === 1) ? true : undefined;
      });
      for (let call = 0; call < 10; call += 1) await unaryCall(greeter, 'sayHello', { name: 'Ada' });

      const scrape = await scrapeMetrics(url);
      expect(scrape.types.get('distlab_balancer_picks_total')).toBe('counter');
      const picks = addresses.map(
        (backend) => scrape.find('distlab_balancer_picks_total', { service: GREETER, backend })[0]?.value,
      );
      expect(picks).toEqual([5, 5]);
      expect(
        scrape.find('grpc_server_handled_total', {
          grpc_service: 'distlab.registry.v1.RegistryService',
          grpc_method: 'Register',
          grpc_code: 'OK',
        })[0]?.value,
      ).toBe(2);

      // A backend that stops serving shows 0 once the balancer's health watch sees it.
      await backends[1].shutdown(0);
      await until(async () => {
        const after = await scrapeMetrics(url);
        return after.find('distlab_balancer_backend_up', { backend: addresses[1] })[0]?.value === 0 ? true : undefined;
      });
    } finally {
      registry.close();
      greeter.close();
    }
  });
});
