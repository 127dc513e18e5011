import { Metadata, status } from '@grpc/grpc-js';
import { GreeterServiceClient } from '@distlab/contracts/greeter/v1/greeter';
import { InventoryServiceClient, InventoryServiceService } from '@distlab/contracts/inventory/v1/inventory';
import { hasOpenssl, makeTestCertificates } from '@distlab/testing';
import {
  checkHealth,
  createClient,
  createHandlers,
  createHealthClient,
  listHealth,
  silentLogger,
  startServer,
  StatusError,
  Code,
  unaryCall,
  type RunningServer,
  type StartServerOptions,
} from './index';
import { greeterFixture } from './test-support/greeter-fixture';

const servers: RunningServer[] = [];
const clients: Array<{ close(): void }> = [];

async function serve(overrides: Partial<StartServerOptions> = {}) {
  const fixture = greeterFixture();
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    services: [fixture],
    ...overrides,
  });
  servers.push(server);
  return { server, fixture };
}

/** Waits until the fixture's handler has started `calls` calls: the call is in flight on the server, not on its way. */
async function untilHandling(fixture: { calls: number }, calls: number): Promise<void> {
  for (const stopAt = Date.now() + 10_000; fixture.calls < calls;) {
    if (Date.now() > stopAt) throw new Error(`the server did not start call ${calls} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function track<C extends { close(): void }>(client: C): C {
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.shutdown(0)));
});

describe('startServer', () => {
  it('listens on a free port and answers health SERVING for the server and each hosted service', async () => {
    const { server } = await serve();
    expect(server.port).toBeGreaterThan(0);
    const health = track(createHealthClient(server.address));
    expect(await listHealth(health)).toEqual({ '': 'SERVING', 'distlab.greeter.v1.GreeterService': 'SERVING' });
  });

  it('answers RESOURCE_EXHAUSTED to a message over the size limit and keeps serving', async () => {
    const { server } = await serve({ maxMessageBytes: 64 * 1024 });
    const greeter = track(createClient(GreeterServiceClient, server.address));
    await expect(unaryCall(greeter, 'sayHello', { name: 'x'.repeat(100 * 1024) })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
    await expect(unaryCall(greeter, 'sayHello', { name: 'Ada' })).resolves.toMatchObject({ message: 'Hello, Ada!' });
  });

  it('answers INTERNAL without leaking the message of an unexpected error, and keeps serving', async () => {
    const { server } = await serve();
    const greeter = track(createClient(GreeterServiceClient, server.address));
    const failure = unaryCall(greeter, 'sayHello', { name: 'boom' });
    await expect(failure).rejects.toMatchObject({ code: status.INTERNAL });
    await expect(failure).rejects.not.toMatchObject({ details: expect.stringContaining('secret') });
    await expect(unaryCall(greeter, 'sayHello', { name: 'Ada' })).resolves.toBeDefined();
  });
});

describe('bearer-token auth', () => {
  it('refuses a missing or wrong token with UNAUTHENTICATED, accepts the right one, and exempts health', async () => {
    const { server } = await serve({ token: 's3cret' });
    const anonymous = track(createClient(GreeterServiceClient, server.address));
    const wrong = track(createClient(GreeterServiceClient, server.address, { token: 'guess' }));
    const right = track(createClient(GreeterServiceClient, server.address, { token: 's3cret' }));
    await expect(unaryCall(anonymous, 'sayHello', { name: 'Ada' })).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: expect.stringContaining('missing bearer token'),
    });
    await expect(unaryCall(wrong, 'sayHello', { name: 'Ada' })).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: expect.stringContaining('wrong bearer token'),
    });
    await expect(unaryCall(right, 'sayHello', { name: 'Ada' })).resolves.toMatchObject({ message: 'Hello, Ada!' });
    expect(await checkHealth(track(createHealthClient(server.address)))).toBe('SERVING');
  });
});

const describeTls = hasOpenssl() ? describe : describe.skip;
describeTls('TLS (skipped when openssl is missing: it makes the test certificates)', () => {
  const certificates = hasOpenssl() ? makeTestCertificates() : undefined;

  it('serves TLS to a client that trusts the CA, and refuses plaintext', async () => {
    const files = certificates!;
    const { server } = await serve({ tls: { certFile: files.serverCert, keyFile: files.serverKey } });
    const secure = track(createClient(GreeterServiceClient, server.address, { tls: { caFile: files.caCert } }));
    await expect(unaryCall(secure, 'sayHello', { name: 'Ada' })).resolves.toMatchObject({ message: 'Hello, Ada!' });
    const plaintext = track(createClient(GreeterServiceClient, server.address, { deadlineMs: 2000 }));
    await expect(unaryCall(plaintext, 'sayHello', { name: 'Ada' })).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });

  it('with a client CA, requires a client certificate (mutual TLS)', async () => {
    const files = certificates!;
    const tls = { certFile: files.serverCert, keyFile: files.serverKey, clientCaFile: files.caCert };
    const { server } = await serve({ tls });
    const withoutCertificate = track(
      createClient(GreeterServiceClient, server.address, { tls: { caFile: files.caCert }, deadlineMs: 2000 }),
    );
    await expect(unaryCall(withoutCertificate, 'sayHello', { name: 'Ada' })).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    const mutual = track(
      createClient(GreeterServiceClient, server.address, {
        tls: { caFile: files.caCert, certFile: files.clientCert, keyFile: files.clientKey },
      }),
    );
    await expect(unaryCall(mutual, 'sayHello', { name: 'Ada' })).resolves.toMatchObject({ message: 'Hello, Ada!' });
  });
});

describe('createClient', () => {
  it('puts a default deadline on unary calls', async () => {
    const { server } = await serve();
    const greeter = track(createClient(GreeterServiceClient, server.address, { deadlineMs: 200 }));
    await expect(unaryCall(greeter, 'sayHello', { name: 'slow:2000' })).rejects.toMatchObject({
      code: status.DEADLINE_EXCEEDED,
    });
  });

  it('retries UNAVAILABLE for a method the contract marks free of side effects', async () => {
    const { server, fixture } = await serve();
    fixture.failuresLeft = 2;
    const greeter = track(createClient(GreeterServiceClient, server.address, { maxAttempts: 4 }));
    await expect(unaryCall(greeter, 'sayHello', { name: 'Ada' })).resolves.toMatchObject({ message: 'Hello, Ada!' });
    expect(fixture.calls).toBe(3);
  });

  it('never retries a method the contract does not mark safe to retry', async () => {
    let attempts = 0;
    const handlers = createHandlers({ logger: silentLogger() });
    const unavailable = handlers.unary(() => {
      attempts += 1;
      throw new StatusError(Code.UNAVAILABLE, 'down');
    });
    const implementation = Object.fromEntries(Object.keys(InventoryServiceService).map((name) => [name, unavailable]));
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      services: [{ definition: InventoryServiceService, implementation }],
    });
    servers.push(server);
    const inventory = track(createClient(InventoryServiceClient, server.address, { maxAttempts: 4 }));
    await expect(unaryCall(inventory, 'adjustQuantity', { id: '1', delta: '1', requestId: '' })).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    expect(attempts).toBe(1);
    await expect(unaryCall(inventory, 'getItem', { id: '1' })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(attempts).toBe(1 + 4);
  });

  it('sends the configured metadata on every call', async () => {
    let seen: string | undefined;
    const handlers = createHandlers({ logger: silentLogger() });
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      services: [
        {
          definition: greeterFixture().definition,
          implementation: {
            sayHello: handlers.unary((_request, call) => {
              seen = call.metadata.get('x-distlab-test')[0] as string;
              return { message: 'ok', serverId: 'x' };
            }),
            exchangeObject: handlers.unary(() => ({ serverId: 'x' })),
          },
        },
      ],
    });
    servers.push(server);
    const greeter = track(
      createClient(GreeterServiceClient, server.address, { metadata: { 'x-distlab-test': 'yes' } }),
    );
    await unaryCall(greeter, 'sayHello', { name: 'Ada' }, { metadata: new Metadata() });
    expect(seen).toBe('yes');
  });
});

describe('RunningServer.shutdown', () => {
  it('turns health NOT_SERVING, lets the call in flight finish, and refuses new calls', async () => {
    const { server, fixture } = await serve();
    const greeter = track(createClient(GreeterServiceClient, server.address));
    const health = track(createHealthClient(server.address));
    const statuses: string[] = [];
    const watch = health.watch({ service: '' });
    watch.on('data', (response: { status: string }) => statuses.push(response.status));
    watch.on('error', () => undefined);
    for (const stopAt = Date.now() + 10_000; statuses.length === 0 && Date.now() < stopAt;)
      await new Promise((resolve) => setTimeout(resolve, 5)); // The watch's first answer: SERVING.

    const inFlight = unaryCall(greeter, 'sayHello', { name: 'slow:500' });
    await untilHandling(fixture, 1); // Not a fixed sleep: on a loaded machine the call may take longer to arrive.
    const stopped = server.shutdown(5000);
    await expect(inFlight).resolves.toMatchObject({ message: 'Hello, slow:500!' });
    await stopped;
    expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
    await expect(unaryCall(greeter, 'sayHello', { name: 'late' }, { deadlineMs: 1000 })).rejects.toMatchObject({
      code: expect.any(Number),
    });
  });

  it('cancels what is still in flight when the grace period runs out', async () => {
    const { server, fixture } = await serve();
    const greeter = track(createClient(GreeterServiceClient, server.address));
    const stuck = unaryCall(greeter, 'sayHello', { name: 'slow:10000' });
    await untilHandling(fixture, 1);
    const startedAt = Date.now();
    await server.shutdown(200);
    expect(Date.now() - startedAt).toBeLessThan(5000);
    await expect(stuck).rejects.toMatchObject({ code: expect.any(Number) });
  });
});
