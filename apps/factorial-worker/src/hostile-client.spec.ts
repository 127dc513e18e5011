import { connect, type IncomingHttpHeaders } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { ComputeRequest } from '@distlab/contracts/factorial/v1/factorial';
import { silentLogger } from '@distlab/grpc-kit';
import { startWorker } from './worker-server';

// A raw HTTP/2 client sends a worker `grpc-timeout: garbage` (issue 20: it was answered INTERNAL, and the stream then
// stayed open until the client gave up). The worker answers INVALID_ARGUMENT, closes the stream, and serves on.

let worker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  worker = await startWorker({ server: { host: '127.0.0.1', port: 0 }, logger: silentLogger(), workerId: 'w-hostile' });
});

afterAll(() => worker.shutdown(0));

/** One request over raw HTTP/2; resolves with the status once the stream closed, rejects if it stays open. */
async function rawCall(method: string, headers: Record<string, string>): Promise<{ code: string; message: string }> {
  const session = connect(`http://${worker.address}`);
  session.on('error', () => undefined);
  const body = Buffer.from(ComputeRequest.encode({ n: '20' }).finish());
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': `/distlab.factorial.v1.FactorialService/${method}`,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...headers,
      });
      let received: IncomingHttpHeaders = {};
      stream.on('response', (response) => (received = response));
      stream.on('trailers', (trailers) => (received = { ...received, ...trailers }));
      stream.on('data', () => undefined);
      stream.on('error', reject);
      stream.on('close', () =>
        resolve({
          code: String(received['grpc-status']),
          message: decodeURIComponent(String(received['grpc-message'] ?? '')),
        }),
      );
      stream.end(frame);
      setTimeout(() => reject(new Error('the stream stayed open for 5 s')), 5000).unref();
    });
  } finally {
    session.close();
  }
}

describe('a worker facing grpc-timeout: garbage', () => {
  it.each(['Compute', 'ComputeStream'])('answers %s INVALID_ARGUMENT and closes the stream', async (method) => {
    expect(await rawCall(method, { 'grpc-timeout': 'garbage' })).toEqual({
      code: String(status.INVALID_ARGUMENT),
      message: 'grpc-timeout "garbage" is not a timeout: 1 to 8 digits and a unit (H, M, S, m, u or n)',
    });
    expect(await rawCall(method, { 'grpc-timeout': '5S' })).toMatchObject({ code: String(status.OK) });
  });
});
