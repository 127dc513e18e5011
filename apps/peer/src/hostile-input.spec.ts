import { Metadata, status } from '@grpc/grpc-js';
import { ClockServiceClient, EventEncoding, type WatchEventsResponse } from '@distlab/contracts/clock/v1/clock';
import { ClusterServiceClient } from '@distlab/contracts/cluster/v1/cluster';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { GreeterServiceClient } from '@distlab/contracts/greeter/v1/greeter';
import { createClient, silentLogger, unaryCall, type RunningServer } from '@distlab/grpc-kit';
import { freePort } from '@distlab/testing';
import { MAX_EVENT_WATCHERS_PER_CLIENT } from './clocks/clock-service';
import { MAX_STATE_WATCHERS_PER_CLIENT } from './cluster/state-watch';
import { startPeer } from './peer-server';

// What a hostile or careless client sent a peer and got a wrong answer for (issue 20): each case now has a clear,
// documented status and message, and the peer keeps serving (the last test says hello after them all).

const addresses = new Map<number, string>();
const servers: RunningServer[] = [];
const closers: Array<{ close(): void }> = [];

beforeAll(async () => {
  for (const id of [1, 2]) addresses.set(id, `127.0.0.1:${await freePort()}`);
  for (const id of [1, 2]) {
    const others = new Map([...addresses].filter(([other]) => other !== id));
    servers.push(
      await startPeer({
        id,
        server: { host: '127.0.0.1', port: Number(addresses.get(id)!.split(':')[1]) },
        logger: silentLogger(),
        peers: others,
      }),
    );
  }
});

afterAll(async () => {
  for (const client of closers) client.close();
  await Promise.all(servers.map((server) => server.shutdown(0)));
});

function client<C extends { close(): void }>(Constructor: Parameters<typeof createClient>[0], id = 1): C {
  const made = createClient(Constructor, addresses.get(id)!, { maxAttempts: 1 }) as unknown as C;
  closers.push(made);
  return made;
}
const cluster = (id = 1) => client<ClusterServiceClient>(ClusterServiceClient, id);
const clock = (id = 1) => client<ClockServiceClient>(ClockServiceClient, id);
const rejection = (code: status, detail: string) => ({ code, details: expect.stringContaining(detail) });

/** The first thing a WatchEvents stream does: an event, or the status that ended it. */
function firstOfWatch(afterSequence: string): Promise<WatchEventsResponse | { code: number; details: string }> {
  return new Promise((resolve) => {
    const call = clock().watchEvents({ afterSequence, encoding: EventEncoding.EVENT_ENCODING_UNSPECIFIED });
    call.once('data', (response: WatchEventsResponse) => {
      resolve(response);
      call.cancel();
    });
    call.once('error', (error: { code: number; details: string }) => resolve(error));
  });
}

describe('ClusterService refuses addresses no channel can dial', () => {
  it.each(['a\0:1', 'host:99999', 'host:0', 'no-port', ' spaced:1', `${'h'.repeat(300)}:1`])(
    'AddMember %j is INVALID_ARGUMENT, quoted briefly, and the membership is unchanged',
    async (address) => {
      const failure = await unaryCall(cluster(), 'addMember', { peerId: 7, address }).catch((error: unknown) => error);
      expect(failure).toMatchObject(rejection(status.INVALID_ARGUMENT, 'address must be host:port'));
      expect((failure as { details: string }).details.length).toBeLessThan(300);
      const listed = await unaryCall(cluster(), 'listMembers', {});
      expect(listed.members.map((member) => member.peerId)).toEqual([1, 2]);
    },
  );

  it('lists each peer itself with its own address', async () => {
    const listed = await unaryCall(cluster(2), 'listMembers', {});
    expect(listed.members).toEqual([
      { peerId: 1, address: addresses.get(1), incarnation: expect.any(String) },
      { peerId: 2, address: addresses.get(2), incarnation: '1' },
    ]);
  });
});

describe('ClockService reading the event log', () => {
  it('refuses a page token made by another peer, or by hand', async () => {
    // Enough events on peer 2 for a second page.
    for (let index = 0; index < 3; index += 1) await unaryCall(clock(2), 'localEvent', { label: `event ${index}` });
    const page = await unaryCall(clock(2), 'listEvents', { pageSize: 1, pageToken: '', algorithm: '' });
    expect(page.nextPageToken).not.toBe('');
    await expect(
      unaryCall(clock(1), 'listEvents', { pageSize: 1, pageToken: page.nextPageToken, algorithm: '' }),
    ).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'page_token'));
    const handMade = Buffer.from('v1:0').toString('base64url');
    await expect(
      unaryCall(clock(2), 'listEvents', { pageSize: 1, pageToken: handMade, algorithm: '' }),
    ).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'page_token'));
  });

  it.each([
    ['1000 past the newest', (last: number) => String(last + 1000), status.OUT_OF_RANGE, 'past this log'],
    ['10^9', () => '1000000000', status.OUT_OF_RANGE, 'past this log'],
    ['2^64 − 1', () => '18446744073709551615', status.INVALID_ARGUMENT, 'after_sequence'],
  ])(
    'WatchEvents from after_sequence %s is refused, not answered with earlier events',
    async (_name, from, code, text) => {
      const { event } = await unaryCall(clock(), 'localEvent', { label: 'the newest' });
      const first = await firstOfWatch(from(Number(event?.sequence)));
      expect(first).toMatchObject(rejection(code, text));
    },
  );

  it('WatchEvents from the newest event waits for the next one, and sends nothing older', async () => {
    const { event } = await unaryCall(clock(), 'localEvent', { label: 'before the watch' });
    const next = firstOfWatch(event!.sequence);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await unaryCall(clock(), 'localEvent', { label: 'after the watch' });
    // The next event logged (this one, or a message of the peer's own that came first), never an older one.
    const first = (await next) as WatchEventsResponse;
    expect(Number(first.event?.sequence)).toBe(Number(event!.sequence) + 1);
  });
});

// The bound over all clients (MAX_EVENT_WATCHERS, MAX_STATE_WATCHERS) is grpc-kit's StreamSlots, tested there with many
// clients; every call here comes from one host.
describe('watchers are bounded: one client cannot make a peer feed thousands of streams, nor take them all', () => {
  /** Opens a stream and resolves once it sent its first message (so the peer counts it), or with its status. */
  const opened = <T>(stream: ClientReadableStream<T>) =>
    new Promise<{ stream: ClientReadableStream<T>; error?: { code: number; details: string } }>((resolve) => {
      stream.once('data', () => resolve({ stream }));
      stream.once('error', (error: { code: number; details: string }) => resolve({ stream, error }));
    });

  it.each([
    [
      'WatchEvents',
      MAX_EVENT_WATCHERS_PER_CLIENT,
      () =>
        clock(2).watchEvents({
          afterSequence: '0',
          batchWindow: { seconds: '0', nanos: 50_000_000 },
          encoding: EventEncoding.EVENT_ENCODING_JSON_LINES,
        }),
    ],
    ['WatchState', MAX_STATE_WATCHERS_PER_CLIENT, () => cluster(2).watchState({})],
  ] as const)(
    '%s takes %i streams from one client, refuses its next with RESOURCE_EXHAUSTED, and one more once one closed',
    async (_name, max, open: () => ClientReadableStream<unknown>) => {
      // Peer 2's log has events to replay (its start-up), so every stream sends at once.
      await unaryCall(clock(2), 'localEvent', { label: 'something to replay' });
      const streams = await Promise.all(Array.from({ length: max }, () => opened(open())));
      try {
        expect(streams.flatMap((result) => result.error?.details ?? [])).toEqual([]);
        const refused = await opened(open());
        expect(refused.error).toMatchObject(rejection(status.RESOURCE_EXHAUSTED, `127.0.0.1 already has ${max}`));
        expect(refused.error!.details).toContain('the most one client may: close one');
        streams.pop()!.stream.cancel();
        // The peer hears of the cancellation in its own time: poll until a new stream is taken (bounded).
        let taken: Awaited<ReturnType<typeof opened>> | undefined;
        for (let attempt = 0; attempt < 100 && (taken === undefined || taken.error !== undefined); attempt += 1) {
          taken = await opened(open());
          if (taken.error !== undefined) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(taken?.error).toBeUndefined();
        taken?.stream.cancel();
      } finally {
        for (const { stream } of streams) stream.cancel();
      }
    },
  );
});

describe('a user call carrying a malformed envelope', () => {
  it('names the entry that is wrong: a distlab-sender that is not a peer id', async () => {
    const metadata = new Metadata();
    metadata.set('distlab-sender', 'abc');
    const failure = await new Promise<unknown>((resolve) =>
      client<GreeterServiceClient>(GreeterServiceClient).sayHello({ name: 'Ada' }, metadata, (error) => resolve(error)),
    );
    expect(failure).toMatchObject(rejection(status.INVALID_ARGUMENT, '"distlab-sender" must be a peer id'));
  });

  it('leaves the peer serving', async () => {
    const reply = await unaryCall(client<GreeterServiceClient>(GreeterServiceClient), 'sayHello', { name: 'Ada' });
    expect(reply.message).toContain('Ada');
  });
});
