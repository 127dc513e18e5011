import { connect, type IncomingHttpHeaders } from 'node:http2';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { silentLogger, startServer, type RunningServer } from './index';
import { installRequestGate } from './request-gate';
import { greeterFixture } from './test-support/greeter-fixture';

// A kit server answers a hostile client's malformed request with a clear status, closes the stream, and keeps every
// status message short, whatever the client sent (issue 20): quoted input is capped, so a strict client (grpcio
// accepts at most 8 KB of metadata) never fails on our answer.

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, logger: silentLogger(), services: [greeterFixture()] });
});

afterAll(() => server.shutdown(0));

/** One request over raw HTTP/2: the status it got and the raw grpc-message; rejects if the stream stays open. */
async function rawCall(
  headers: Record<string, string>,
): Promise<{ code: string; message: string; rawMessageBytes: number }> {
  const session = connect(`http://${server.address}`, { maxSendHeaderBlockLength: 1024 * 1024 });
  session.on('error', () => undefined);
  await new Promise((resolve) => session.once('remoteSettings', resolve));
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/distlab.greeter.v1.GreeterService/SayHello',
        'content-type': 'application/grpc',
        te: 'trailers',
        ...headers,
      });
      let received: IncomingHttpHeaders = {};
      stream.on('response', (response) => (received = response));
      stream.on('trailers', (trailers) => (received = { ...received, ...trailers }));
      stream.on('error', reject);
      stream.on('data', () => undefined);
      stream.on('close', () => {
        const raw = String(received['grpc-message'] ?? '');
        resolve({
          code: String(received['grpc-status']),
          message: decodeURIComponent(raw),
          rawMessageBytes: raw.length,
        });
      });
      stream.end(Buffer.alloc(5));
      setTimeout(() => reject(new Error('the stream stayed open')), 5000).unref();
    });
  } finally {
    session.close();
  }
}

describe('a kit server facing malformed requests', () => {
  it('gates the HTTP/2 servers grpc-js listens with (fails if a grpc-js upgrade moved them)', async () => {
    const bare = new Server();
    await new Promise((resolve, reject) =>
      bare.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    expect(installRequestGate(bare).installed).toBe(true);
    bare.forceShutdown();
  });

  it('answers grpc-timeout: garbage INVALID_ARGUMENT and closes the stream', async () => {
    expect(await rawCall({ 'grpc-timeout': 'garbage' })).toMatchObject({
      code: String(status.INVALID_ARGUMENT),
      message: 'grpc-timeout "garbage" is not a timeout: 1 to 8 digits and a unit (H, M, S, m, u or n)',
    });
  });

  it('caps a long grpc-timeout value it quotes', async () => {
    const answer = await rawCall({ 'grpc-timeout': '9'.repeat(50_000) });
    expect(answer.code).toBe(String(status.INVALID_ARGUMENT));
    expect(answer.rawMessageBytes).toBeLessThan(200);
  });

  it.each([
    ['method', `/distlab.greeter.v1.GreeterService/${'ü'.repeat(20_000)}`],
    ['service', `/${'ü'.repeat(20_000)}/SayHello`],
  ])('keeps the status message of an unknown %s a few hundred bytes, however long the name', async (_kind, path) => {
    const answer = await rawCall({ ':path': path });
    expect(answer.code).toBe(String(status.UNIMPLEMENTED));
    expect(answer.message).toMatch(/^no method "\/.*\.\.\." here$/);
    expect(answer.rawMessageBytes).toBeLessThan(2000);
  });

  it('still answers an unknown short method as grpc-js does, and serves the next call', async () => {
    expect(await rawCall({ ':path': '/distlab.greeter.v1.GreeterService/Nope' })).toMatchObject({
      code: String(status.UNIMPLEMENTED),
    });
    expect((await rawCall({ 'grpc-timeout': '5S' })).code).toBe(String(status.OK));
  });
});
