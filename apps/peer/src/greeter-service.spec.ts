import { status } from '@grpc/grpc-js';
import { GreeterServiceClient } from '@distlab/contracts/greeter/v1/greeter';
import { createClient, silentLogger, unaryCall, type RunningServer } from '@distlab/grpc-kit';
import { startPeer } from './peer-server';

let server: RunningServer;
let greeter: GreeterServiceClient;

beforeAll(async () => {
  server = await startPeer({ id: 7, server: { host: '127.0.0.1', port: 0 }, logger: silentLogger() });
  greeter = createClient(GreeterServiceClient, server.address);
});

afterAll(async () => {
  greeter.close();
  await server.shutdown(0);
});

const object = (overrides = {}) => ({
  name: 'gadget',
  value: '21',
  tags: ['blue'],
  attributes: { size: 'L' },
  ...overrides,
});

describe('GreeterService.SayHello', () => {
  it('greets the trimmed name and says which peer answered', async () => {
    const response = await unaryCall(greeter, 'sayHello', { name: '  Ada  ' });
    expect(response).toMatchObject({ message: 'Hello, Ada!', serverId: 'peer-7' });
    expect(response.greetTime).toBeInstanceOf(Date);
  });

  it.each([
    ['empty', '', 'name must not be empty'],
    ['white space', '   ', 'name must not be empty'],
    ['201 characters', 'x'.repeat(201), 'name must have at most 200 characters (got 201)'],
  ])('answers INVALID_ARGUMENT to a name that is %s', async (_case, name, details) => {
    await expect(unaryCall(greeter, 'sayHello', { name })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details,
    });
  });

  it('counts characters, not bytes: 200 emoji are a valid name', async () => {
    await expect(unaryCall(greeter, 'sayHello', { name: '🦀'.repeat(200) })).resolves.toBeDefined();
  });
});

describe('GreeterService.ExchangeObject', () => {
  it('doubles the value, appends a tag naming the server, keeps the rest, and echoes what it received', async () => {
    const response = await unaryCall(greeter, 'exchangeObject', { object: object() });
    expect(response.object).toEqual({
      name: 'gadget',
      value: '42',
      tags: ['blue', 'processed-by:peer-7'],
      attributes: { size: 'L' },
    });
    expect(response.received).toEqual(object());
    expect(response.serverId).toBe('peer-7');
  });

  it('handles int64 values exactly, beyond what a JavaScript number holds', async () => {
    const response = await unaryCall(greeter, 'exchangeObject', { object: object({ value: '-4611686018427387904' }) });
    expect(response.object?.value).toBe('-9223372036854775808');
  });

  it('answers OUT_OF_RANGE when doubling overflows int64', async () => {
    await expect(
      unaryCall(greeter, 'exchangeObject', { object: object({ value: '4611686018427387904' }) }),
    ).rejects.toMatchObject({ code: status.OUT_OF_RANGE, details: expect.stringContaining('signed 64-bit') });
  });

  it.each([
    ['a missing object', undefined, 'object is required'],
    ['an empty name', object({ name: ' ' }), 'object.name must not be empty'],
    [
      '65 tags',
      object({ tags: Array.from({ length: 65 }, (_, index) => `t${index}`) }),
      'object.tags must have at most 64 entries (got 65)',
    ],
    ['a long tag', object({ tags: ['x'.repeat(201)] }), 'object.tags[0] must have at most 200 characters (got 201)'],
    [
      'a long attribute value',
      object({ attributes: { k: 'v'.repeat(201) } }),
      'object.attributes["k"] must have at most 200 characters (got 201)',
    ],
  ])('answers INVALID_ARGUMENT to %s', async (_case, value, details) => {
    await expect(unaryCall(greeter, 'exchangeObject', { object: value })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details,
    });
  });
});
