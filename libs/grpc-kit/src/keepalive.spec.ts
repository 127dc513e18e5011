import { connect } from 'node:http2';
import {
  createHealthClient,
  checkHealth,
  KEEPALIVE_CHANNEL_OPTIONS,
  KEEPALIVE_SERVER_OPTIONS,
  KEEPALIVE_TIME_MS,
  silentLogger,
  startServer,
  type RunningServer,
} from './index';
import { greeterFixture } from './test-support/greeter-fixture';

// A server the kit builds accepts keepalive pings at our clients' rate: it never answers GOAWAY "too_many_pings",
// which would drop the very connections keepalive is there to keep honest.

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0, logger: silentLogger(), services: [greeterFixture()] });
});

afterAll(() => server.shutdown(0));

describe('keepalive', () => {
  it('states the same figure on both sides: the server allows pings twice as often as clients send them', () => {
    expect(KEEPALIVE_CHANNEL_OPTIONS['grpc.keepalive_time_ms']).toBe(KEEPALIVE_TIME_MS);
    expect(KEEPALIVE_CHANNEL_OPTIONS['grpc.keepalive_permit_without_calls']).toBe(1);
    expect(KEEPALIVE_SERVER_OPTIONS['grpc.http2.min_ping_interval_without_data_ms']).toBeLessThan(KEEPALIVE_TIME_MS);
  });

  it('is answered by a kit server for every ping at twice our rate, with no GOAWAY', async () => {
    const session = connect(`http://${server.address}`);
    const goaways: string[] = [];
    session.on('goaway', (code, _lastStreamId, data) => goaways.push(`${code} ${data?.toString() ?? ''}`));
    session.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', reject);
    });
    const answered: number[] = [];
    for (let ping = 0; ping < 6; ping += 1) {
      const roundTripMs = await new Promise<number>((resolve, reject) =>
        session.ping((error, duration) => (error ? reject(error) : resolve(duration))),
      );
      answered.push(roundTripMs);
      await new Promise((resolve) => setTimeout(resolve, KEEPALIVE_TIME_MS / 2));
    }
    expect(answered).toHaveLength(6);
    expect(goaways).toEqual([]);
    expect(session.closed).toBe(false);
    session.close();
  });

  it('keeps an idle kit client channel connected across several keepalive rounds', async () => {
    const client = createHealthClient(server.address, { channelOptions: KEEPALIVE_CHANNEL_OPTIONS });
    expect(await checkHealth(client)).toBe('SERVING');
    await new Promise((resolve) => setTimeout(resolve, KEEPALIVE_TIME_MS * 3));
    // READY is 2 in grpc-js's connectivity states: the channel never dropped while it pinged with no call open.
    expect(client.getChannel().getConnectivityState(false)).toBe(2);
    expect(await checkHealth(client)).toBe('SERVING');
    client.close();
  });
});
