import { bufCurl, ReflectionOnlyClient } from '@distlab/testing';
import { silentLogger, startServer, type RunningServer } from './index';
import { greeterFixture } from './test-support/greeter-fixture';

// Proves that server reflection serves complete descriptors: a client that knows no contract can list the services,
// describe them down to imported well-known types, and call them, health included.

let server: RunningServer;
let reflection: ReflectionOnlyClient;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, logger: silentLogger(), services: [greeterFixture()] });
  reflection = new ReflectionOnlyClient(server.address);
});

afterAll(async () => {
  reflection.close();
  await server.shutdown(0);
});

describe('server reflection', () => {
  it('lists exactly the hosted services and health', async () => {
    expect(await reflection.listServices()).toEqual(
      expect.arrayContaining(['distlab.greeter.v1.GreeterService', 'grpc.health.v1.Health']),
    );
    expect(await reflection.listServices()).not.toContain('distlab.inventory.v1.InventoryService');
  });

  it('describes a service down to the well-known types its messages import, with its comments', async () => {
    const registry = await reflection.describe('distlab.greeter.v1.GreeterService');
    const service = registry.getService('distlab.greeter.v1.GreeterService');
    expect(service?.methods.map((method) => method.name)).toEqual(['SayHello', 'ExchangeObject']);
    const response = registry.getMessage('distlab.greeter.v1.SayHelloResponse');
    const greetTime = response?.fields.find((field) => field.name === 'greet_time');
    expect(greetTime?.message?.typeName).toBe('google.protobuf.Timestamp');
    expect(registry.getFile('distlab/greeter/v1/greeter.proto')?.proto.sourceCodeInfo?.location.length).toBeGreaterThan(
      0,
    );
  });

  it('describes grpc.health.v1.Health', async () => {
    const registry = await reflection.describe('grpc.health.v1.Health');
    expect(registry.getService('grpc.health.v1.Health')?.methods.map((method) => method.name)).toEqual([
      'Check',
      'Watch',
      'List',
    ]);
  });

  it('is enough for buf curl to list every method and call them, health included', async () => {
    const url = `http://${server.address}`;
    const methods = await bufCurl(['--list-methods', url]);
    expect(methods.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'distlab.greeter.v1.GreeterService/SayHello',
        'distlab.greeter.v1.GreeterService/ExchangeObject',
        'grpc.health.v1.Health/Check',
        'grpc.health.v1.Health/List',
        'grpc.health.v1.Health/Watch',
      ]),
    );
    const hello = await bufCurl(['-d', '{"name":"Ada"}', `${url}/distlab.greeter.v1.GreeterService/SayHello`]);
    expect(hello.exitCode).toBe(0);
    expect(JSON.parse(hello.stdout)).toMatchObject({ message: 'Hello, Ada!', greetTime: expect.any(String) });
    const health = await bufCurl(['-d', '{}', `${url}/grpc.health.v1.Health/Check`]);
    expect(JSON.parse(health.stdout)).toEqual({ status: 'SERVING' });
  });
});
