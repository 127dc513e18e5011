import { join } from 'node:path';
import { ClusterServiceClient } from '@distlab/contracts/cluster/v1/cluster';
import { ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { TimeServiceClient } from '@distlab/contracts/clock/v1/time';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { Code, isServiceError, msToDuration, unaryCall } from '@distlab/grpc-kit';
import { PeerCluster, startServerProcess, WORKSPACE_ROOT, type ServerProcessHandle } from '@distlab/testing';
import { checkMutualExclusion, readEventLogs } from '@distlab/trace';
import { ClusterClients } from './test-support/cluster-clients';

// Peers started with --registry and no --peers find each other through the registry (the real one, as a process):
// every peer ends up knowing every other, they elect the highest id, take the lock in turn with never two holders
// (checked from their event logs), and a peer that joins later is discovered by all and takes over the leadership.

const REGISTRY = join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts');
let registry: ServerProcessHandle;
let cluster: PeerCluster;
let peers: ClusterClients;

beforeAll(async () => {
  registry = await startServerProcess(REGISTRY);
  cluster = await PeerCluster.start({ size: 3, registry: registry.address });
  peers = new ClusterClients(cluster);
});

afterAll(async () => {
  peers?.close();
  await cluster?.stop();
  await registry?.process.stop();
});

async function membersEverywhere(ids: number[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(
      ids.map(async (id) => (await unaryCall(peers.of(ClusterServiceClient, id), 'listMembers', {})).members),
    );
    const complete = views.every((members) => members.map((member) => member.peerId).join() === ids.join());
    if (complete) return;
    if (Date.now() > deadline) throw new Error(`members not discovered: ${JSON.stringify(views)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Acquire, retrying while the peer says its discovered membership is not complete yet (UNAVAILABLE). */
async function acquire(id: number): Promise<string> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const grant = await unaryCall(peers.of(MutexServiceClient, id), 'acquire', {
        lease: msToDuration(10_000),
        clientName: `discovery-${id}`,
      });
      return grant.fencingToken;
    } catch (error) {
      if (!isServiceError(error) || error.code !== Code.UNAVAILABLE || attempt === 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('peers that discover each other through the registry', () => {
  it('all know all, and agree on the highest id', async () => {
    await membersEverywhere([1, 2, 3]);
    await peers.untilAgreed([1, 2, 3], 3);
  });

  it('take the lock in turn, never two holders', async () => {
    const tokens: string[] = [];
    await Promise.all(
      cluster.ids.map(async (id) => {
        for (let entry = 0; entry < 10; entry += 1) {
          const token = await acquire(id);
          tokens.push(token);
          await unaryCall(peers.of(MutexServiceClient, id), 'release', { fencingToken: token });
        }
      }),
    );
    expect(new Set(tokens).size).toBe(30);
    expect(checkMutualExclusion(readEventLogs(cluster.eventsDir)).violations).toEqual([]);
  });

  it('discover a peer that joins later, which then leads', async () => {
    await cluster.join(4);
    await membersEverywhere([1, 2, 3, 4]);
    await peers.untilAgreed([1, 2, 3, 4], 4);
    const token = await acquire(4);
    await unaryCall(peers.of(MutexServiceClient, 4), 'release', { fencingToken: token });
  });

  it('answer a stranger UNAVAILABLE only until the registry has been asked, then FAILED_PRECONDITION', async () => {
    // Peer 99 never registered: the first messages are "try again" (it may have registered since the last look), and
    // once a look made since has not listed it, the answer is definite, for every message kind that checks membership.
    const election = peers.of(ElectionServiceClient, 1);
    const outcomes: number[] = [];
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const code = await unaryCall(election, 'election', { candidateId: 99, term: '1' }).then(
        () => Code.OK,
        (error: unknown) => (isServiceError(error) ? error.code : -1),
      );
      outcomes.push(code);
      if (code !== Code.UNAVAILABLE) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(outcomes.at(-1)).toBe(Code.FAILED_PRECONDITION);
    expect(new Set(outcomes.slice(0, -1))).toEqual(new Set(outcomes.length > 1 ? [Code.UNAVAILABLE] : []));
    await expect(unaryCall(election, 'coordinator', { leaderId: 99, term: '9' })).rejects.toMatchObject({
      code: Code.FAILED_PRECONDITION,
      details: expect.stringContaining('the registry lists no peer-99'),
    });
    await expect(unaryCall(election, 'heartbeat', { fromPeerId: 99, term: '1' })).rejects.toMatchObject({
      code: Code.FAILED_PRECONDITION,
    });
    const mutex = peers.of(MutexServiceClient, 1);
    await expect(
      unaryCall(mutex, 'request', { fromPeerId: 99, timestamp: '5', incarnation: '1' }),
    ).rejects.toMatchObject({ code: Code.FAILED_PRECONDITION, details: expect.stringContaining('peer-99') });
    const time = peers.of(TimeServiceClient, 1);
    await expect(
      unaryCall(time, 'adjustTime', { round: '1', adjustment: msToDuration(1), masterPeerId: 99 }),
    ).rejects.toMatchObject({ code: Code.FAILED_PRECONDITION, details: expect.stringContaining('peer-99') });
    await peers.untilAgreed([1, 2, 3, 4], 4); // The stranger changed nothing.
  });
});
