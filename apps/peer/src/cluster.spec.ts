import { ClusterServiceClient } from '@distlab/contracts/cluster/v1/cluster';
import { SyncAlgorithm, TimeServiceClient } from '@distlab/contracts/clock/v1/time';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { durationToMs, msToDuration, unaryCall } from '@distlab/grpc-kit';
import { PeerCluster } from '@distlab/testing';
import { ClusterClients } from './test-support/cluster-clients';
import { checkLogicalClocks, checkMessagesPerEntry, checkMutualExclusion, readEventLogs } from '@distlab/trace';

// Five real peer processes over real sockets. Proves, from the peers' own event logs: 5 peers × 20 critical-section
// entries with never two holders and exactly 2(N − 1) messages per entry; Lamport and vector clocks consistent with
// happened-before over the merged logs of everything the cluster did; Berkeley brings clocks skewed by up to ±500 ms
// within the bound it reports (measured against the system clock all peers share); after kill -9 of the coordinator
// every live peer agrees on the highest live id; a restarted peer (new incarnation) is served again; a dead peer
// blocks the lock until `cluster remove` takes it out, and a live one cannot be removed.

const SKEWS_MS = new Map([
  [1, -500],
  [2, -250],
  [3, 0],
  [4, 250],
  [5, 500],
]);
let cluster: PeerCluster;
let peers: ClusterClients;
const mutex = (id: number) => peers.of(MutexServiceClient, id);
const untilAgreed = (ids: number[], leader: number) => peers.untilAgreed(ids, leader);

beforeAll(async () => {
  cluster = await PeerCluster.start({ size: 5, argsFor: (id) => ['--clock-skew-ms', String(SKEWS_MS.get(id))] });
  peers = new ClusterClients(cluster);
});

afterAll(async () => {
  peers?.close();
  await cluster?.stop();
});

describe('a cluster of five peer processes', () => {
  it('elects the highest id', async () => {
    await untilAgreed([1, 2, 3, 4, 5], 5);
  });

  it('runs 5 × 20 critical sections: never two holders, 2(N − 1) messages each, clocks consistent', async () => {
    const perPeer = 20;
    const tokens: number[] = [];
    await Promise.all(
      cluster.ids.map(async (id) => {
        const peer = mutex(id);
        for (let entry = 0; entry < perPeer; entry += 1) {
          const grant = await unaryCall(peer, 'acquire', { lease: msToDuration(10_000), clientName: `test-${id}` });
          tokens.push(Number(grant.fencingToken));
          await unaryCall(peer, 'release', { fencingToken: grant.fencingToken });
        }
      }),
    );
    // Fencing tokens: one per grant, all different, in the order granted across the cluster.
    expect(new Set(tokens).size).toBe(5 * perPeer);
    // A peer writes a received message's line within moments, not at once (its log batches them): the last receives
    // may reach the files after the last release. Read until every send has its receive (bounded), then check.
    let events = readEventLogs(cluster.eventsDir);
    for (let attempt = 0; attempt < 100 && !checkMessagesPerEntry(events, 5).passed; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      events = readEventLogs(cluster.eventsDir);
    }
    const exclusion = checkMutualExclusion(events);
    expect(exclusion.violations).toEqual([]);
    expect(exclusion.summary).toContain(`${5 * perPeer} critical sections by 5 peers`);
    const messages = checkMessagesPerEntry(events, 5);
    expect({ passed: messages.passed, summary: messages.summary }).toMatchObject({ passed: true });
    expect(checkLogicalClocks(events).violations).toEqual([]);
  });

  it('Berkeley brings clocks skewed by ±500 ms within the bound it reports', async () => {
    const time = (id: number) => peers.of(TimeServiceClient, id);
    const offsets = async () =>
      Promise.all(
        cluster.ids.map(async (id) => durationToMs((await unaryCall(time(id), 'getTime', {})).offsetFromSystem, NaN)),
      );
    const before = await offsets();
    expect(Math.max(...before) - Math.min(...before)).toBeGreaterThan(990);
    const round = await unaryCall(time(3), 'synchronize', {
      algorithm: SyncAlgorithm.SYNC_ALGORITHM_BERKELEY,
      timeServerPeerId: 0,
      samples: 0,
    });
    expect(round.readings.every((reading) => reading.error === '')).toBe(true);
    const after = await offsets();
    const skewBoundMs = 2 * durationToMs(round.errorBound, NaN);
    expect(Math.max(...after) - Math.min(...after)).toBeLessThanOrEqual(skewBoundMs);
  });

  it('agrees on the highest live id after kill -9 of the coordinator, and takes the restarted one back', async () => {
    await cluster.kill(5);
    await untilAgreed([1, 2, 3, 4], 4);
    await cluster.startPeer(5);
    await untilAgreed([1, 2, 3, 4, 5], 5);
    // The restarted peer is a new incarnation, and the lock goes round it again.
    const members = await unaryCall(peers.of(ClusterServiceClient, 1), 'listMembers', {});
    expect(members.members.find((member) => member.peerId === 5)?.incarnation).toBe('2');
    const grant = await unaryCall(mutex(5), 'acquire', { clientName: 'test' });
    await unaryCall(mutex(5), 'release', { fencingToken: grant.fencingToken });
  });

  it('waits for a dead member until it is removed, and refuses to remove a live one', async () => {
    const cluster1 = peers.of(ClusterServiceClient, 1);
    await expect(unaryCall(cluster1, 'removeMember', { peerId: 2 })).rejects.toMatchObject({
      details: expect.stringContaining('still answers'),
    });
    await cluster.kill(4);
    // Suspicion alone never lets anyone in: the lock waits for peer 4, the client's deadline passes, it withdraws.
    await expect(unaryCall(mutex(1), 'acquire', { clientName: 'test' }, { deadlineMs: 1_000 })).rejects.toMatchObject({
      code: 4,
    });
    expect((await unaryCall(mutex(1), 'getState', {})).waitingClients).toBe(0);
    for (const id of [1, 2, 3, 5]) {
      const removed = await unaryCall(peers.of(ClusterServiceClient, id), 'removeMember', {
        peerId: 4,
      });
      expect(removed.memberPeerIds).not.toContain(4);
    }
    const grant = await unaryCall(mutex(1), 'acquire', { clientName: 'test' }, { deadlineMs: 5_000 });
    await unaryCall(mutex(1), 'release', { fencingToken: grant.fencingToken });
    expect(checkMutualExclusion(readEventLogs(cluster.eventsDir)).violations).toEqual([]);
  });
});
