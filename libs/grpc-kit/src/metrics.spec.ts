import { join } from 'node:path';
import { GreeterServiceClient } from '@distlab/contracts/greeter/v1/greeter';
import { scrapeMetrics, spawnTypeScript, type SpawnedProcess } from '@distlab/testing';
import {
  createClient,
  metricsRegistry,
  silentLogger,
  startMetricsEndpoint,
  startServer,
  unaryCall,
  type MetricsEndpoint,
} from './index';
import type { RunningServer } from './server';
import { greeterFixture } from './test-support/greeter-fixture';

// Proves that every server built by the kit counts its calls per method and status and times them, and that
// --metrics-port serves those figures in Prometheus text format from a real server process.

const GREETER = { grpc_service: 'distlab.greeter.v1.GreeterService', grpc_method: 'SayHello' };

describe('server metrics', () => {
  let server: RunningServer | undefined;
  let endpoint: MetricsEndpoint | undefined;
  let processUnderTest: SpawnedProcess | undefined;

  afterEach(async () => {
    await server?.shutdown(0);
    await endpoint?.close();
    await processUnderTest?.stop();
    server = endpoint = processUnderTest = undefined;
  });

  it('counts calls by method and status code, auth refusals included, and times each', async () => {
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      token: 'metrics-secret',
      services: [greeterFixture()],
    });
    endpoint = await startMetricsEndpoint({ host: '127.0.0.1', port: 0 }, silentLogger());
    const before = await scrapeMetrics(endpoint.url);
    const countOf = (scrape: typeof before, name: string, labels: Record<string, string>) =>
      scrape.find(name, labels).reduce((sum, sample) => sum + sample.value, 0);

    const authorized = createClient(GreeterServiceClient, server.address, { token: 'metrics-secret', maxAttempts: 1 });
    const stranger = createClient(GreeterServiceClient, server.address, { maxAttempts: 1 });
    try {
      await unaryCall(authorized, 'sayHello', { name: 'one' });
      await unaryCall(authorized, 'sayHello', { name: 'two' });
      await expect(unaryCall(authorized, 'sayHello', { name: 'boom' })).rejects.toMatchObject({ code: 13 });
      await expect(unaryCall(stranger, 'sayHello', { name: 'x' })).rejects.toMatchObject({ code: 16 });
    } finally {
      authorized.close();
      stranger.close();
    }

    const after = await scrapeMetrics(endpoint.url);
    const delta = (name: string, labels: Record<string, string>) =>
      countOf(after, name, labels) - countOf(before, name, labels);
    expect(after.types.get('grpc_server_handled_total')).toBe('counter');
    expect(after.types.get('grpc_server_handling_seconds')).toBe('histogram');
    expect(delta('grpc_server_started_total', GREETER)).toBe(4);
    expect(delta('grpc_server_handled_total', { ...GREETER, grpc_code: 'OK', grpc_type: 'unary' })).toBe(2);
    expect(delta('grpc_server_handled_total', { ...GREETER, grpc_code: 'INTERNAL' })).toBe(1);
    expect(delta('grpc_server_handled_total', { ...GREETER, grpc_code: 'UNAUTHENTICATED' })).toBe(1);
    expect(delta('grpc_server_handling_seconds_count', GREETER)).toBe(4);
    const infBucket = after.find('grpc_server_handling_seconds_bucket', { ...GREETER, le: '+Inf' });
    expect(infBucket[0].value).toBe(countOf(after, 'grpc_server_handling_seconds_count', GREETER));
    // Node's own figures come with the registry.
    expect(after.find('process_cpu_user_seconds_total')).toHaveLength(1);
  });

  it('counts reach a metric read on its own (get), not only a scrape of the registry', async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, logger: silentLogger(), services: [greeterFixture()] });
    const startedCalls = async () => {
      const metric = metricsRegistry().getSingleMetric('grpc_server_started_total');
      const values = (await metric?.get())?.values ?? [];
      return values
        .filter(
          (sample) =>
            sample.labels['grpc_method'] === 'SayHello' && sample.labels['grpc_service'] === GREETER.grpc_service,
        )
        .reduce((sum, sample) => sum + sample.value, 0);
    };
    const before = await startedCalls();
    const client = createClient(GreeterServiceClient, server.address, { maxAttempts: 1 });
    try {
      for (const name of ['a', 'b', 'c']) await unaryCall(client, 'sayHello', { name });
    } finally {
      client.close();
    }
    expect((await startedCalls()) - before).toBe(3);
  });

  it('answers 404 with a pointer to /metrics on any other path', async () => {
    endpoint = await startMetricsEndpoint({ host: '127.0.0.1', port: 0 }, silentLogger());
    const response = await fetch(endpoint.url.replace('/metrics', '/'));
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('GET /metrics');
  });

  it('serves /metrics from a server process given --metrics-port, on loopback by default', async () => {
    processUnderTest = spawnTypeScript(join(__dirname, 'test-support', 'slow-server-process.ts'), [
      '--port',
      '0',
      '--metrics-port',
      '0',
    ]);
    const listening = await processUnderTest.waitForLine((line) => line.includes('"listening"'));
    const metricsLine = await processUnderTest.waitForLine((line) => line.includes('"msg":"metrics"'));
    const url = JSON.parse(metricsLine).url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const greeter = createClient(GreeterServiceClient, `127.0.0.1:${JSON.parse(listening).listening}`);
    try {
      await unaryCall(greeter, 'sayHello', { name: 'scraped' });
    } finally {
      greeter.close();
    }
    const scrape = await scrapeMetrics(url);
    expect(scrape.find('grpc_server_handled_total', { ...GREETER, grpc_code: 'OK' })[0]?.value).toBe(1);
  });

  it('refuses a --metrics-port that is not a port, with exit code 2', async () => {
    processUnderTest = spawnTypeScript(join(__dirname, 'test-support', 'slow-server-process.ts'), [
      '--metrics-port',
      '99999',
    ]);
    expect(await processUnderTest.exited()).toBe(2);
    expect(processUnderTest.stderr).toContain('--metrics-port must be an integer from 0 to 65535');
  });
});
