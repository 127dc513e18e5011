import { ChaosServiceClient } from '@distlab/contracts/chaos/v1/chaos';
import { SyncAlgorithm, TimeServiceClient } from '@distlab/contracts/clock/v1/time';
import { MutexServiceClient, MutexState } from '@distlab/contracts/mutex/v1/mutex';
import { durationToMs, msToDuration, unaryCall } from '@distlab/grpc-kit';
import { PeerCluster } from '@distlab/testing';
import { ClusterClients } from './test-support/cluster-clients';
import { checkLogicalClocks, checkMutualExclusion, readEventLogs } from '@distlab/trace';

// The algorithms under injected faults, on five real peer processes: loss, duplication, delay and jitter from start-up
// flags; partitions (both ways and one way) and a paused coordinator through ChaosService. Safety is checked from the
// event logs throughout (never two holders, clocks consistent with happened-before); after each heal, liveness
// returns: every waiting acquire is granted and every peer follows one leader, the highest id.

let cluster: PeerCluster;
let peers: ClusterClients;
const mutex = (id: number) => peers.of(MutexServiceClient, id);
const chaos = (id: number) => peers.of(ChaosServiceClient, id);
const NONE = {
  toPeerId: 0,
  blocked: false,
  hang: false,
  dropProbability: 0,
  delay: undefined,
  jitter: undefined,
  duplicateProbability: 0,
};

const agreeOn = (ids: number[], leader: number) => peers.untilAgreed(ids, leader);

async function enterAndLeave(id: number): Promise<number> {
  const grant = await unaryCall(mutex(id), 'acquire', { lease: msToDuration(30_000), clientName: `chaos-${id}` });
  await unaryCall(mutex(id), 'release', { fencingToken: grant.fencingToken });
  return Number(grant.fencingToken);
}

async function partition(groups: number[][], oneWay = false, cut: 'blocked' | 'hang' = 'blocked'): Promise<void> {
  for (const [index, group] of groups.entries()) {
    if (oneWay && index > 0) break;
    const others = groups.filter((_, other) => other !== index).flat();
    for (const id of group)
      await unaryCall(chaos(id), 'setLinkFaults', { toPeerIds: others, faults: { ...NONE, [cut]: true } });
  }
}

const heal = () => Promise.all(cluster.ids.map((id) => unaryCall(chaos(id), 'heal', {})));

function expectSafety(): void {
  const events = readEventLogs(cluster.eventsDir);
  expect(checkMutualExclusion(events).violations).toEqual([]);
  expect(checkLogicalClocks(events).violations).toEqual([]);
}

beforeAll(async () => {
  cluster = await PeerCluster.start({
    size: 5,
    argsFor: () => [
      '--fault-drop',
      '0.1',
      '--fault-duplicate',
      '0.1',
      '--fault-delay-ms',
      '1',
      '--fault-jitter-ms',
      '4',
    ],
  });
  peers = new ClusterClients(cluster);
}, 60_000);

// Whatever a test leaves behind, the next starts from a healed cluster.
afterEach(async () => {
  await heal();
});

afterAll(async () => {
  peers?.close();
  await cluster?.stop();
});

describe('the algorithms under injected faults', () => {
  it('Ricart–Agrawala with 10% loss, 10% duplication and jitter: never two holders, every acquire granted', async () => {
    const tokens = (
      await Promise.all(
        cluster.ids.map(async (id) => {
          const granted: number[] = [];
          for (let entry = 0; entry < 5; entry += 1) granted.push(await enterAndLeave(id));
          return granted;
        }),
      )
    ).flat();
    expect(new Set(tokens).size).toBe(25);
    // The faults were real: lost messages were sent again and some were duplicated, so more than 2(N − 1) per entry.
    const sends = readEventLogs(cluster.eventsDir).filter(
      (event) => event.kind === 'send' && event.algorithm === 'ricart-agrawala',
    );
    expect(sends.length).toBeGreaterThan(8 * 25);
    expectSafety();
    await heal();
    await agreeOn(cluster.ids, 5);
  }, 90_000);

  it('a partition blocks the lock on both sides (safety) and grants both waiters after the heal (liveness)', async () => {
    await partition([
      [1, 2],
      [3, 4, 5],
    ]);
    // The minority loses its leader and elects its highest; the majority keeps 5. Bully is not consensus.
    await agreeOn([1, 2], 2);
    await agreeOn([3, 4, 5], 5);
    const waiting = [enterAndLeave(1), enterAndLeave(3)];
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const id of [1, 3]) {
      const state = await unaryCall(mutex(id), 'getState', {});
      expect(state.state).toBe(MutexState.MUTEX_STATE_WANTED);
      expect(state.awaitingPeerIds.length).toBeGreaterThan(0);
    }
    await heal();
    await Promise.all(waiting);
    await agreeOn(cluster.ids, 5);
    expectSafety();
  }, 60_000);

  it('a hanging partition holds messages instead of failing them: the lock waits, and goes on at the heal', async () => {
    // As on a cut cable: a message across neither arrives nor fails at once, so no sender retries or gives up early;
    // the minority still loses its leader (its heartbeats go unanswered), and what waited is granted after the heal.
    await partition(
      [
        [1, 2],
        [3, 4, 5],
      ],
      false,
      'hang',
    );
    const described = await unaryCall(chaos(1), 'setLinkFaults', { toPeerIds: [3], faults: { ...NONE, hang: true } });
    expect(described.links.map((link) => [link.toPeerId, link.hang, link.blocked])).toEqual([
      [3, true, false],
      [4, true, false],
      [5, true, false],
    ]);
    await agreeOn([1, 2], 2);
    let settled = false;
    const waiting = enterAndLeave(1).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(settled).toBe(false);
    expect((await unaryCall(mutex(1), 'getState', {})).state).toBe(MutexState.MUTEX_STATE_WANTED);
    await heal();
    await waiting;
    await agreeOn(cluster.ids, 5);
    expectSafety();
  }, 60_000);

  it('a one-way partition (5 cannot send) holds every acquire, which needs 5’s reply, until the heal', async () => {
    await partition([[5], [1, 2, 3, 4]], true);
    const waiting = [enterAndLeave(5), enterAndLeave(2)];
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const id of [5, 2])
      expect((await unaryCall(mutex(id), 'getState', {})).state).toBe(MutexState.MUTEX_STATE_WANTED);
    await heal();
    await Promise.all(waiting);
    await agreeOn(cluster.ids, 5);
    expectSafety();
  }, 60_000);

  it('a paused coordinator is replaced, and wins again when it resumes; a waiting acquire is granted', async () => {
    await unaryCall(chaos(5), 'pause', { duration: undefined });
    await agreeOn([1, 2, 3, 4], 4);
    const waiting = enterAndLeave(1); // Needs 5's permission: waits for the pause to end.
    await unaryCall(chaos(5), 'resume', {});
    await waiting;
    await agreeOn(cluster.ids, 5);
    expectSafety();
  }, 60_000);

  it('Cristian and Berkeley under 5 ± 5 ms of delay stay within the bounds they report', async () => {
    for (const id of cluster.ids)
      await unaryCall(chaos(id), 'setLinkFaults', {
        toPeerIds: [],
        faults: { ...NONE, delay: msToDuration(5), jitter: msToDuration(5) },
      });
    const time = (id: number) => peers.of(TimeServiceClient, id);
    const offsetOf = async (id: number) =>
      durationToMs((await unaryCall(time(id), 'getTime', {})).offsetFromSystem, NaN);
    // Cristian: peer 2 from peer 4; jitter makes the legs unequal, and the bound (half the round trip) must cover it.
    const cristian = await unaryCall(time(2), 'synchronize', {
      algorithm: SyncAlgorithm.SYNC_ALGORITHM_CRISTIAN,
      timeServerPeerId: 4,
      samples: 5,
      maxDeviation: undefined,
    });
    expect(Math.abs((await offsetOf(2)) - (await offsetOf(4)))).toBeLessThanOrEqual(
      durationToMs(cristian.errorBound, NaN),
    );
    const round = await unaryCall(time(1), 'synchronize', {
      algorithm: SyncAlgorithm.SYNC_ALGORITHM_BERKELEY,
      timeServerPeerId: 0,
      samples: 0,
      maxDeviation: undefined,
    });
    const offsets = await Promise.all(
      cluster.ids.map(async (id) => durationToMs((await unaryCall(time(id), 'getTime', {})).offsetFromSystem, NaN)),
    );
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeLessThanOrEqual(2 * durationToMs(round.errorBound, NaN));
    await heal();
  }, 30_000);
});
