import { status, type ServiceError } from '@grpc/grpc-js';
import { pino } from 'pino';
import { ClockServiceClient, EventKind } from '@distlab/contracts/clock/v1/clock';
import {
  MutexServiceClient,
  MutexState,
  type Envelope,
  type ExchangeResponse,
  type ExchangeRequest,
  type SessionResponse,
} from '@distlab/contracts/mutex/v1/mutex';
import { createClient, silentLogger, unaryCall, type RunningServer } from '@distlab/grpc-kit';
import { LockSession } from '@distlab/service-clients';
import { freePort } from '@distlab/testing';

import { startPeer, type PeerOptions } from './peer-server';

// MutexService's two streams on three in-process peers: Session (a client's lock session, whose end releases what it
// holds) and Exchange (the peers' message stream: refusals at once, cumulative acknowledgements), as a client such as
// grpcurl sees them.

const ids = [1, 2, 3];
const addresses = new Map<number, string>();
const servers: RunningServer[] = [];
const clients: MutexServiceClient[] = [];

/** Starts three in-process peers that know each other, on free ports; fills `addresses`. */
async function startPeers(
  addresses: Map<number, string>,
  options: Pick<PeerOptions, 'logger' | 'mutexTransport'>,
): Promise<RunningServer[]> {
  for (const id of ids) addresses.set(id, `127.0.0.1:${await freePort()}`);
  const started: RunningServer[] = [];
  for (const id of ids) {
    const peers = new Map([...addresses].filter(([other]) => other !== id));
    const port = Number(addresses.get(id)!.split(':')[1]);
    started.push(await startPeer({ id, server: { host: '127.0.0.1', port }, peers, ...options }));
  }
  return started;
}

beforeAll(async () => {
  servers.push(...(await startPeers(addresses, { logger: silentLogger() })));
});

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all(servers.map((server) => server.shutdown(0)));
});

function mutex(id = 1): MutexServiceClient {
  const client = createClient(MutexServiceClient, addresses.get(id)!, { maxAttempts: 1 });
  clients.push(client);
  return client;
}
const stateOf = (id: number) => unaryCall(mutex(id), 'getState', {});
const refusal = (code: status, detail: string) => ({ code, details: expect.stringContaining(detail) });

async function until(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('MutexService.Session', () => {
  it('answers acquires and releases by request id, several outstanding at once, in grant order', async () => {
    const session = new LockSession(mutex(1));
    const first = await session.acquire({ leaseMs: 5_000, clientName: 'session-a' });
    // The second waits behind the first hold of the same session, then is granted once it is released.
    const second = session.acquire({ leaseMs: 5_000, clientName: 'session-b' });
    await until(async () => (await stateOf(1)).waitingClients === 1);
    const released = await session.release(first.fencingToken);
    expect(Number(released.held?.seconds ?? 0) * 1e9 + (released.held?.nanos ?? 0)).toBeGreaterThan(0);
    const grant = await second;
    expect(Number(grant.fencingToken)).toBeGreaterThan(Number(first.fencingToken));
    await session.release(grant.fencingToken);
    session.close();
  });

  it('answers bad requests with their status in the response and keeps the session going', async () => {
    const session = new LockSession(mutex(1));
    await expect(session.acquire({ leaseMs: 50 })).rejects.toMatchObject(
      refusal(status.INVALID_ARGUMENT, 'lease must be 100 ms to 5 min'),
    );
    await expect(session.acquire({ leaseMs: 1_000, waitTimeoutMs: -5 })).rejects.toMatchObject(
      refusal(status.INVALID_ARGUMENT, 'wait_timeout must be above 0'),
    );
    await expect(session.release('12345')).rejects.toMatchObject(
      refusal(status.FAILED_PRECONDITION, 'fencing token 12345 is not held here'),
    );
    // A request with no action, as a hand-written client could send it.
    const raw = mutex(1).session();
    const answer = new Promise<SessionResponse>((resolve) => raw.once('data', resolve));
    raw.write({ requestId: '7', action: undefined });
    expect(await answer).toMatchObject({
      requestId: '7',
      result: { $case: 'error', value: { code: status.INVALID_ARGUMENT } },
    });
    raw.end();
    // Still serving: a grant on the same session.
    const grant = await session.acquire({ leaseMs: 1_000 });
    await session.release(grant.fencingToken);
    session.close();
  });

  it('withdraws an acquire whose wait_timeout passes (DEADLINE_EXCEEDED), leaving no claim behind', async () => {
    const holder = new LockSession(mutex(2));
    const held = await holder.acquire({ leaseMs: 5_000, clientName: 'holder' });
    const waiter = new LockSession(mutex(1));
    await expect(waiter.acquire({ leaseMs: 1_000, waitTimeoutMs: 200 })).rejects.toMatchObject(
      refusal(status.DEADLINE_EXCEEDED, 'not granted within wait_timeout'),
    );
    expect((await stateOf(1)).waitingClients).toBe(0);
    await holder.release(held.fencingToken);
    // Peer 1's request was out when its client gave up: it enters and leaves at once, and the lock is free again.
    const next = await waiter.acquire({ leaseMs: 1_000, waitTimeoutMs: 5_000 });
    await waiter.release(next.fencingToken);
    holder.close();
    waiter.close();
  });

  it('releases every hold of a session that ends, and withdraws what it waits for', async () => {
    const holding = new LockSession(mutex(1));
    const grant = await holding.acquire({ leaseMs: 60_000, clientName: 'goes away' });
    const waiting = new LockSession(mutex(1));
    const withdrawn = waiting
      .acquire({ leaseMs: 60_000, clientName: 'gives up' })
      .catch((error: ServiceError) => error);
    await until(async () => (await stateOf(1)).waitingClients === 1);
    holding.close();
    waiting.close();
    await until(async () => {
      const state = await stateOf(1);
      return state.state === MutexState.MUTEX_STATE_RELEASED && state.waitingClients === 0;
    });
    expect(await withdrawn).toMatchObject({ code: status.UNAVAILABLE });
    // Another peer gets in at once: nothing was orphaned (the held lease was a minute long).
    const after = await unaryCall(mutex(3), 'acquire', { lease: undefined, clientName: 'next' }, { deadlineMs: 5_000 });
    expect(Number(after.fencingToken)).toBeGreaterThan(Number(grant.fencingToken));
    await unaryCall(mutex(3), 'release', { fencingToken: after.fencingToken });
  });
});

describe('MutexService.Exchange', () => {
  /** Sends frames on one stream and collects the acknowledgements, and how the stream ended. */
  async function exchange(frames: ExchangeRequest[]): Promise<{ acks: ExchangeResponse[]; end: ServiceError | 'ok' }> {
    const call = mutex(1).exchange();
    const acks: ExchangeResponse[] = [];
    call.on('data', (ack: ExchangeResponse) => acks.push(ack));
    const end = new Promise<ServiceError | 'ok'>((resolve) => {
      call.on('error', resolve);
      call.on('status', (status) => status.code === 0 && resolve('ok'));
    });
    for (const frame of frames) call.write(frame);
    call.end();
    return { acks, end: await end };
  }
  /** A frame's envelope, as senders write it. */
  const stamp = (sender: number, lamport: number): Envelope => ({
    sender,
    lamport: String(lamport),
    vector: `${sender}:${lamport}`,
    incarnation: '1',
    messageId: `${sender}.1.${lamport}`,
    label: `Reply(ts=${lamport})`,
    algorithm: 'ricart-agrawala',
  });
  // A reply to no pending request: taken and ignored, as the contract says.
  const reply = (from: number) => ({
    $case: 'reply' as const,
    value: {
      fromPeerId: from,
      requestTimestamp: '1',
      incarnation: '1',
      fencingTokenSeen: '0',
      requesterIncarnation: '1',
    },
  });

  it('refuses frames with their unary status, acknowledges the rest cumulatively, and logs each receive', async () => {
    const { acks, end } = await exchange([
      { frameId: '1', stamp: stamp(2, 900), message: reply(2) },
      { frameId: '2', message: undefined },
      { frameId: '3', message: reply(9) },
      {
        frameId: '4',
        message: { $case: 'request', value: { fromPeerId: 2, timestamp: '0', incarnation: '1' } },
      },
      { frameId: '4', message: reply(2) },
      { frameId: '6', stamp: stamp(2, 901), message: reply(2) },
    ]);
    expect(end).toBe('ok');
    const refusals = acks.flatMap((ack) => ack.refusals.map((refusal) => [refusal.frameId, refusal.code]));
    expect(refusals).toEqual([
      ['2', status.INVALID_ARGUMENT],
      ['3', status.FAILED_PRECONDITION],
      ['4', status.INVALID_ARGUMENT],
      ['4', status.INVALID_ARGUMENT],
    ]);
    expect(acks.flatMap((ack) => ack.refusals).map((refusal) => refusal.message)).toEqual([
      'a frame must carry a request or a reply',
      expect.stringContaining('peer 9 is not a member'),
      expect.stringContaining('timestamp must be a Lamport time'),
      'frame_id must increase along the stream: 4 after 4',
    ]);
    // Frames 1 and 6 were taken: the last acknowledgement (sent when the stream ended) covers them.
    expect(acks.at(-1)).toMatchObject({ takenThrough: '6', refusals: [] });
    const events = await unaryCall(createClient(ClockServiceClient, addresses.get(1)!), 'listEvents', {
      pageSize: 1000,
      pageToken: '',
      algorithm: 'ricart-agrawala',
    });
    const received = events.events.filter((event) => event.messageId.startsWith('2.1.90'));
    expect(received.map((event) => event.label)).toEqual([
      'receive Reply(ts=900) from 2',
      'receive Reply(ts=901) from 2',
    ]);
  });

  it('acknowledges taken frames within the acknowledgement delay while the stream stays open', async () => {
    const call = mutex(1).exchange();
    const ack = new Promise<ExchangeResponse>((resolve) => call.once('data', resolve));
    call.write({ frameId: '41', stamp: stamp(2, 950), message: reply(2) });
    call.write({ frameId: '42', stamp: stamp(2, 951), message: reply(2) });
    expect(await ack).toEqual({ takenThrough: '42', refusals: [] });
    call.end();
  });

  it.each([
    ['as fields', { stamp: { ...stamp(2, 911), vector: '2:soon' } }, 'distlab-vector'],
    [
      'as fields, with a label that is not printable',
      { stamp: { ...stamp(2, 911), label: 'a\u0001' } },
      'distlab-label',
    ],
    ['as fields, naming no sender', { stamp: { ...stamp(2, 911), sender: 0 } }, 'distlab-sender'],
  ])('ends the stream with INVALID_ARGUMENT at a frame whose envelope (%s) is malformed', async (_form, bad, key) => {
    const { acks, end } = await exchange([
      { frameId: '1', stamp: stamp(2, 910), message: reply(2) },
      { frameId: '2', ...bad, message: reply(2) },
      { frameId: '3', stamp: stamp(2, 912), message: reply(2) },
    ]);
    expect(acks).toEqual([]); // Frame 1 was taken, but the stream ended before its acknowledgement was due.
    expect(end).toMatchObject(refusal(status.INVALID_ARGUMENT, key));
  });
});

describe('the unary transport (--mutex-transport unary)', () => {
  // Three more peers whose Ricart–Agrawala messages are unary Request and Reply calls, the envelope in metadata; the
  // call log shows which methods carried them.
  const unaryServers: RunningServer[] = [];
  const unaryAddresses = new Map<number, string>();
  const methodsCalled: string[] = [];
  // At debug: a call that went well is logged at that level (the default level shows only the lab's events).
  const callLog = pino(
    { level: 'debug' },
    {
      write: (line: string) => void methodsCalled.push((JSON.parse(line) as { method?: string }).method ?? ''),
    },
  );

  beforeAll(async () => {
    unaryServers.push(...(await startPeers(unaryAddresses, { logger: callLog, mutexTransport: 'unary' })));
  });

  afterAll(async () => {
    await Promise.all(unaryServers.map((server) => server.shutdown(0)));
  });

  it('grants in turn with 2(N − 1) messages per entry, each a unary call', async () => {
    const entriesPerPeer = 4;
    await Promise.all(
      ids.map(async (id) => {
        const client = createClient(MutexServiceClient, unaryAddresses.get(id)!, { maxAttempts: 1 });
        clients.push(client);
        const session = new LockSession(client);
        for (let entry = 0; entry < entriesPerPeer; entry += 1) {
          const grant = await session.acquire({ leaseMs: 5_000, waitTimeoutMs: 10_000 });
          await session.release(grant.fencingToken);
        }
        session.close();
      }),
    );
    const delivered = await Promise.all(
      ids.map(async (id) => {
        const clock = createClient(ClockServiceClient, unaryAddresses.get(id)!);
        const page = await unaryCall(clock, 'listEvents', {
          pageSize: 1000,
          pageToken: '',
          algorithm: 'ricart-agrawala',
        });
        clock.close();
        // Delivered messages, as libs/trace counts them: a send that failed (a channel still reconnecting) and was
        // sent again is one message.
        return new Set(
          page.events.filter((event) => event.kind === EventKind.EVENT_KIND_RECEIVE).map((e) => e.messageId),
        ).size;
      }),
    );
    const entries = ids.length * entriesPerPeer;
    expect(delivered.reduce((sum, count) => sum + count, 0)).toBe(entries * 2 * (ids.length - 1));
    expect(methodsCalled).toContain('/distlab.mutex.v1.MutexService/Request');
    expect(methodsCalled).toContain('/distlab.mutex.v1.MutexService/Reply');
    expect(methodsCalled).not.toContain('/distlab.mutex.v1.MutexService/Exchange');
  });
});
