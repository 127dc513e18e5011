import { SyncAlgorithm, TimeServiceClient } from '@distlab/contracts/clock/v1/time';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { msToDuration, unaryCall } from '@distlab/grpc-kit';
import { freePort, PeerCluster, scrapeMetrics, type Scrape } from '@distlab/testing';
import { ClusterClients } from './test-support/cluster-clients';

// Two real peer processes with --metrics-port. Proves that a peer's /metrics answers in Prometheus text format with
// the kit's per-method call figures and the lab's own: lock waits and holds, elections and their duration, the leader,
// and the clock's adjustment and offset after a synchronization.

let cluster: PeerCluster;
let peers: ClusterClients;
const metricsPorts = new Map<number, number>();

beforeAll(async () => {
  for (const id of [1, 2]) metricsPorts.set(id, await freePort());
  cluster = await PeerCluster.start({
    size: 2,
    argsFor: (id) => ['--metrics-port', String(metricsPorts.get(id))],
  });
  peers = new ClusterClients(cluster);
});

afterAll(async () => {
  peers?.close();
  await cluster?.stop();
});

const scrape = (id: number) => scrapeMetrics(`http://127.0.0.1:${metricsPorts.get(id)}/metrics`);
const total = (result: Scrape, name: string, labels: Record<string, string> = {}) =>
  result.find(name, labels).reduce((sum, sample) => sum + sample.value, 0);

describe('peer metrics', () => {
  it('shows lock waits and holds, the election, the clock after a sync, and per-method calls', async () => {
    await peers.untilAgreed([1, 2], 2);
    const mutex = peers.of(MutexServiceClient, 1);
    for (let entry = 0; entry < 3; entry += 1) {
      const grant = await unaryCall(mutex, 'acquire', { lease: msToDuration(10_000), clientName: 'metrics' });
      await unaryCall(mutex, 'release', { fencingToken: grant.fencingToken });
    }
    await unaryCall(peers.of(TimeServiceClient, 1), 'synchronize', {
      algorithm: SyncAlgorithm.SYNC_ALGORITHM_CRISTIAN,
      timeServerPeerId: 2,
      samples: 2,
    });

    const one = await scrape(1);
    expect(total(one, 'distlab_lock_wait_seconds_count')).toBe(3);
    expect(total(one, 'distlab_lock_hold_seconds_count')).toBe(3);
    expect(one.types.get('distlab_lock_wait_seconds')).toBe('histogram');
    expect(total(one, 'distlab_clock_adjustments_total', { algorithm: 'cristian' })).toBe(1);
    expect(one.find('distlab_clock_last_adjustment_seconds', { algorithm: 'cristian' })).toHaveLength(1);
    expect(one.find('distlab_clock_offset_seconds')).toHaveLength(1);
    expect(one.find('distlab_leader_id')[0].value).toBe(2);
    expect(total(one, 'distlab_leader_changes_total')).toBeGreaterThanOrEqual(1);
    expect(
      total(one, 'grpc_server_handled_total', {
        grpc_service: 'distlab.mutex.v1.MutexService',
        grpc_method: 'Acquire',
        grpc_code: 'OK',
      }),
    ).toBe(3);

    // Both peers start an election when they find no leader; each that took part timed one to its end.
    const both = [one, await scrape(2)];
    const started = both.reduce((sum, result) => sum + total(result, 'distlab_elections_started_total'), 0);
    const timed = both.reduce((sum, result) => sum + total(result, 'distlab_election_duration_seconds_count'), 0);
    expect(started).toBeGreaterThanOrEqual(1);
    expect(timed).toBeGreaterThanOrEqual(1);
  });
});
