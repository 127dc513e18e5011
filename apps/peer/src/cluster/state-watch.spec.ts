import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import { ChaosServiceClient } from '@distlab/contracts/chaos/v1/chaos';
import { ClusterServiceClient, type WatchStateResponse } from '@distlab/contracts/cluster/v1/cluster';
import { MutexServiceClient, MutexState } from '@distlab/contracts/mutex/v1/mutex';
import { Code, msToDuration, unaryCall } from '@distlab/grpc-kit';
import { PeerCluster } from '@distlab/testing';
import { ClusterClients } from '../test-support/cluster-clients';

// ClusterService.WatchState on three real peer processes: the first response is the state now, each later one a
// change (the mutex taken and given back, the peer paused and resumed), never the same state twice; a bad interval is
// refused; the stream ends when the peer stops.

const WAIT_MS = 30_000;

let cluster: PeerCluster;
let peers: ClusterClients;

beforeAll(async () => {
  cluster = await PeerCluster.start({ size: 3 });
  peers = new ClusterClients(cluster);
  await peers.untilAgreed(cluster.ids, 3);
}, 120_000);

afterAll(async () => {
  peers?.close();
  await cluster?.stop();
});

/** A WatchState stream and everything it sent, in order. */
function watch(id: number, minIntervalMs?: number) {
  const received: WatchStateResponse[] = [];
  const ended: { error?: ServiceError; done: boolean } = { done: false };
  const stream: ClientReadableStream<WatchStateResponse> = peers
    .of(ClusterServiceClient, id)
    .watchState({ minInterval: minIntervalMs === undefined ? undefined : msToDuration(minIntervalMs) });
  stream.on('data', (state: WatchStateResponse) => received.push(state));
  stream.on('error', (error: ServiceError) => Object.assign(ended, { error, done: true }));
  stream.on('end', () => (ended.done = true));
  /** Resolves with the first state sent from `from` on that passes `test`. */
  const until = async (test: (state: WatchStateResponse) => boolean, from = 0): Promise<WatchStateResponse> => {
    for (const deadline = performance.now() + WAIT_MS; performance.now() < deadline;) {
      const found = received.slice(from).find(test);
      if (found !== undefined) return found;
      if (ended.done) throw new Error(`the stream ended: ${ended.error?.message ?? 'OK'}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no such state within ${WAIT_MS} ms; sent: ${JSON.stringify(received.at(-1))}`);
  };
  return { stream, received, ended, until };
}

/** What WatchState compares: everything but the moment the state was read. */
const withoutReadTime = (state: WatchStateResponse) =>
  JSON.stringify([state.mutex, state.leader, state.faults, state.time?.offsetFromSystem]);

describe('ClusterService.WatchState', () => {
  it('sends the state now, then each change once: the lock taken and given back, a pause and its end', async () => {
    const watched = watch(1, 50);
    const first = await watched.until(() => true);
    expect(first.leader).toMatchObject({ peerId: 1, leaderId: 3 });
    expect(first.mutex).toMatchObject({ peerId: 1, state: MutexState.MUTEX_STATE_RELEASED });
    expect(first.faults).toMatchObject({ peerId: 1, paused: false });
    expect(first.time?.peerId).toBe(1);

    const grant = await unaryCall(peers.of(MutexServiceClient, 1), 'acquire', {
      lease: msToDuration(30_000),
      clientName: 'state-watch',
    });
    const held = await watched.until((state) => state.mutex?.state === MutexState.MUTEX_STATE_HELD);
    expect(held.mutex?.fencingToken).toBe(grant.fencingToken);
    const heldAt = watched.received.indexOf(held);
    await unaryCall(peers.of(MutexServiceClient, 1), 'release', { fencingToken: grant.fencingToken });
    await watched.until((state) => state.mutex?.state === MutexState.MUTEX_STATE_RELEASED, heldAt);

    // ChaosService answers a paused peer; the stream, already open, tells the pause as it tells any change.
    await unaryCall(peers.of(ChaosServiceClient, 1), 'pause', { duration: msToDuration(60_000) });
    const paused = await watched.until((state) => state.faults?.paused === true);
    await unaryCall(peers.of(ChaosServiceClient, 1), 'resume', {});
    await watched.until((state) => state.faults?.paused === false, watched.received.indexOf(paused));

    const keys = watched.received.map(withoutReadTime);
    expect(keys.filter((key, index) => index > 0 && key === keys[index - 1])).toEqual([]);
    watched.stream.cancel();
  });

  it('refuses a negative interval with INVALID_ARGUMENT, and serves the next watcher', async () => {
    const refused = watch(2, -1);
    await expect(refused.until(() => true)).rejects.toThrow(/min_interval must not be negative/);
    expect(refused.ended.error?.code).toBe(Code.INVALID_ARGUMENT);
    const next = watch(2);
    expect((await next.until(() => true)).leader?.leaderId).toBe(3);
    next.stream.cancel();
  });

  it('ends when the peer stops', async () => {
    const watched = watch(2);
    await watched.until(() => true);
    await cluster.stop();
    for (const deadline = performance.now() + WAIT_MS; !watched.ended.done && performance.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(watched.ended.done).toBe(true);
  });
});
