import { GreeterServiceClient, GreeterServiceService } from '@distlab/contracts/greeter/v1/greeter';
import {
  Code,
  createClient,
  createHandlers,
  silentLogger,
  startServer,
  STATUS_MESSAGE_MAX_CHARS,
  StatusError,
  unaryCall,
  type RunningServer,
} from './index';

// A status message that quotes a request unbounded cannot hang the connection it travels on: a 100 KB trailer block
// once made a grpc-js client wait out its deadline, and every other call on that connection with it.

describe('StatusError', () => {
  it('sends its message as it is, up to STATUS_MESSAGE_MAX_CHARS characters', () => {
    const message = 'x'.repeat(STATUS_MESSAGE_MAX_CHARS);
    expect(new StatusError(Code.NOT_FOUND, message).toStatus().details).toBe(message);
  });

  it('cuts a longer message with "...", never inside a surrogate pair', () => {
    const long = new StatusError(Code.NOT_FOUND, 'y'.repeat(100_000)).toStatus().details;
    expect(long).toBe(`${'y'.repeat(STATUS_MESSAGE_MAX_CHARS)}...`);
    const emoji = new StatusError(Code.NOT_FOUND, `${'a'.repeat(STATUS_MESSAGE_MAX_CHARS - 1)}😀😀`).toStatus().details;
    expect(emoji).toBe(`${'a'.repeat(STATUS_MESSAGE_MAX_CHARS - 1)}...`);
    expect(() => encodeURIComponent(emoji ?? '')).not.toThrow();
  });
});

describe('a handler that quotes 100,000 characters of a request in its status', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const handlers = createHandlers({ logger: silentLogger() });
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      announce: false,
      services: [
        {
          definition: GreeterServiceService,
          implementation: {
            sayHello: handlers.unary((request) => {
              if (request.name.length > 10) throw new StatusError(Code.NOT_FOUND, `no one called ${request.name}`);
              return { message: `Hello, ${request.name}!`, serverId: 'status', greetTime: new Date() };
            }),
            exchangeObject: handlers.unary((request) => ({ object: request.object, received: request.object })),
          },
        },
      ],
    });
  });

  afterAll(async () => {
    await server.shutdown(0);
  });

  it('answers with the message capped, and the next call on the same connection succeeds', async () => {
    const client = createClient(GreeterServiceClient, server.address, { deadlineMs: 10_000, maxAttempts: 1 });
    try {
      await expect(unaryCall(client, 'sayHello', { name: 'z'.repeat(100_000) })).rejects.toMatchObject({
        code: Code.NOT_FOUND,
        details: `no one called ${'z'.repeat(STATUS_MESSAGE_MAX_CHARS - 'no one called '.length)}...`,
      });
      expect((await unaryCall(client, 'sayHello', { name: 'Ada' })).message).toBe('Hello, Ada!');
    } finally {
      client.close();
    }
  });
});
