// Benchmarks of the peer cluster, five real peer processes on loopback (table output):
//   (0) first, the floor: Ricart–Agrawala's messages alone between five processes on bare grpc-js streams
//       (libs/testing/src/bare-ricart-agrawala.ts), each process for itself and through clients (the floors of (1)
//       and (2)), what no implementation on grpc-js could beat on this machine in this run;
//   (1) mutex acquire+release latency, uncontended (one client, through peer 1): p50 / p99, on a Session stream and
//       with unary calls, after WARM_UP_CYCLES (every latency row, floors included, measures the steady state);
//   (2) critical-section entries per second with all five peers contending (1 and 4 Session clients per peer), and
//       the CPU each entry cost the machine (as for the floor's contended phase);
//   (3) time from kill -9 of the coordinator until every live peer names the new leader (several kills);
//   (4) Berkeley: the true skew left after one round, from clocks skewed by ±500 ms (several rounds);
//   (5) (1) and (2) again on a second cluster whose peers send Ricart–Agrawala messages as unary calls.
// Every loop is bounded in count and in time.
//
//   npx nx bench peer              (also part of `npm run bench`)
import { ClockServiceClient } from '@distlab/contracts/clock/v1/clock';
import { ClusterServiceClient } from '@distlab/contracts/cluster/v1/cluster';
import { SyncAlgorithm, TimeServiceClient } from '@distlab/contracts/clock/v1/time';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import type { Client } from '@grpc/grpc-js';
import { createClient, durationToMs, msToDuration, unaryCall, type ClientConstructor } from '@distlab/grpc-kit';
import { availableParallelism } from 'node:os';
import {
  bareRicartAgrawala,
  formatTable,
  measurePhase,
  PeerCluster,
  percentile,
  WARM_UP_CYCLES,
  type ContendedPhase,
} from '@distlab/testing';
import { LockSession } from '@distlab/service-clients';
import { ClusterClients } from '../src/test-support/cluster-clients';

const PEERS = 5;
const UNCONTENDED_CYCLES = 2_000;
const CONTENDED_SECONDS = 5;
const KILLS = 7;
const BERKELEY_ROUNDS = 10;
const SKEWS_MS = [-500, -250, 0, 250, 500];
const TIME_LIMIT_MS = 60_000;

let peers: ClusterClients;
/** Load loops get a connection each, as separate clients would; everything else shares ClusterClients'. */
const ownConnections: Client[] = [];
function ownClient<C extends Client>(cluster: PeerCluster, Constructor: ClientConstructor<C>, id: number): C {
  const address = cluster.addresses.get(id);
  if (address === undefined) throw new Error(`no peer ${id}`);
  const client = createClient(Constructor, address, { maxAttempts: 1, deadlineMs: 30_000 });
  ownConnections.push(client);
  return client;
}
const ms = (value: number) => value.toFixed(3);
const sorted = (values: number[]) => Float64Array.from(values).sort();

/** One lock+unlock with unary Acquire and Release; returns how long the acquire took. */
async function unaryCycle(mutex: MutexServiceClient, name: string): Promise<number> {
  const started = performance.now();
  const grant = await unaryCall(mutex, 'acquire', { lease: msToDuration(10_000), clientName: name });
  const acquireMs = performance.now() - started;
  await unaryCall(mutex, 'release', { fencingToken: grant.fencingToken });
  return acquireMs;
}

/** One lock+unlock on a Session; returns how long the acquire took (its 2(N − 1) peer messages are all in it). */
async function sessionCycle(session: LockSession, name: string): Promise<number> {
  const started = performance.now();
  const grant = await session.acquire({ leaseMs: 10_000, clientName: name });
  const acquireMs = performance.now() - started;
  await session.release(grant.fencingToken);
  return acquireMs;
}

/**
 * The floor under every figure here: one unary call between two processes (GetClock, which does nothing), p50, and how
 * many such calls the machine sustains with four clients per peer. A lock+unlock is two client calls plus 2(N − 1)
 * peer messages, each one such call.
 */
async function unaryFloor(cluster: PeerCluster): Promise<string[][]> {
  const clock = peers.of(ClockServiceClient, 1);
  const until = performance.now() + TIME_LIMIT_MS;
  for (let warm = 0; warm < WARM_UP_CYCLES && performance.now() < until; warm += 1)
    await unaryCall(clock, 'getClock', {});
  const latencies: number[] = [];
  for (let index = 0; index < 2_000 && performance.now() < until; index += 1) {
    const started = performance.now();
    await unaryCall(clock, 'getClock', {});
    latencies.push(performance.now() - started);
  }
  let calls = 0;
  const stopAt = performance.now() + 3_000;
  const started = performance.now();
  await Promise.all(
    cluster.ids.flatMap((id) =>
      Array.from({ length: 4 }, async () => {
        const peer = ownClient(cluster, ClockServiceClient, id);
        while (performance.now() < stopAt) {
          await unaryCall(peer, 'getClock', {});
          calls += 1;
        }
      }),
    ),
  );
  const values = sorted(latencies);
  return [
    [
      'one unary call between processes',
      '2000 calls',
      `p50 ${ms(percentile(values, 0.5))} ms`,
      `p99 ${ms(percentile(values, 0.99))} ms`,
      '(the floor)',
    ],
    [
      'unary calls/s, whole machine',
      '4 clients per peer',
      `${Math.round(calls / ((performance.now() - started) / 1000))} calls/s`,
      `${calls} calls`,
      '(the ceiling)',
    ],
  ];
}

/**
 * Lock+unlock latency through peer 1, one client: on a Session (the target's row), then (unless `sessionOnly`) with
 * unary calls. The Session's p50 is also given as a multiple of `floorMs`, the same run's bare lock+unlock: this
 * machine's speed swings twofold between minutes, and the ratio is the figure that compares across runs.
 */
async function uncontended(floorMs: number, sessionOnly = false): Promise<string[][]> {
  const mutex = peers.of(MutexServiceClient, 1);
  const session = new LockSession(mutex);
  const measure = async (cycle: () => Promise<number>) => {
    const stopAt = performance.now() + TIME_LIMIT_MS;
    for (let warm = 0; warm < WARM_UP_CYCLES && performance.now() < stopAt; warm += 1) await cycle();
    const latencies: number[] = [];
    const acquires: number[] = [];
    for (let index = 0; index < UNCONTENDED_CYCLES && performance.now() < stopAt; index += 1) {
      const started = performance.now();
      acquires.push(await cycle());
      latencies.push(performance.now() - started);
    }
    return { latencies, acquires };
  };
  const { latencies, acquires } = await measure(() => sessionCycle(session, 'bench'));
  session.close();
  const [values, acquireValues] = [sorted(latencies), sorted(acquires)];
  const p50 = percentile(values, 0.5);
  const sessionRow = [
    'lock+unlock, uncontended, Session',
    `${latencies.length} cycles`,
    `p50 ${ms(p50)} ms`,
    `p99 ${ms(percentile(values, 0.99))} ms, p50 ${(p50 / floorMs).toFixed(2)}× the floor's`,
    'p50 ≤ 1.5 ms',
  ];
  if (sessionOnly) return [sessionRow];
  const unary = sorted((await measure(() => unaryCycle(mutex, 'bench'))).latencies);
  return [
    sessionRow,
    [
      '  the same with unary Acquire, Release',
      `${unary.length} cycles`,
      `p50 ${ms(percentile(unary, 0.5))} ms`,
      `p99 ${ms(percentile(unary, 0.99))} ms`,
      '',
    ],
    [
      '  of which acquire (2(N − 1) messages)',
      `${acquires.length} cycles`,
      `p50 ${ms(percentile(acquireValues, 0.5))} ms`,
      `p99 ${ms(percentile(acquireValues, 0.99))} ms`,
      '',
    ],
  ];
}

/**
 * What a phase cost the machine: CPU milliseconds per entry (the processes' CPU time over the phase, from /proc), and
 * how busy that kept the machine's cores. Empty off Linux.
 */
function cpuCost(cpuMs: number | undefined, entries: number, elapsedMs: number): string {
  if (cpuMs === undefined || entries === 0) return '';
  const busy = cpuMs / (elapsedMs * availableParallelism());
  return `${ms(cpuMs / entries)} ms CPU each, cores ${Math.round(busy * 100)}% busy`;
}

async function contended(cluster: PeerCluster, clientsPerPeer: number): Promise<string[]> {
  let entries = 0;
  const stopAt = performance.now() + CONTENDED_SECONDS * 1000;
  // The CPU of the peers and of this process (the clients) over the phase.
  const { elapsedMs, cpuMs } = await measurePhase([...cluster.pids, process.pid], () =>
    Promise.all(
      cluster.ids.flatMap((id) =>
        Array.from({ length: clientsPerPeer }, async (_, index) => {
          const session = new LockSession(ownClient(cluster, MutexServiceClient, id));
          while (performance.now() < stopAt) {
            await sessionCycle(session, `bench-${id}-${index}`);
            entries += 1;
          }
          session.close();
        }),
      ),
    ),
  );
  return [
    `entries/s, ${PEERS} peers contending, Sessions`,
    `${clientsPerPeer} client(s) per peer`,
    `${Math.round(entries / (elapsedMs / 1000))} entries/s`,
    `${entries} entries, ${cpuCost(cpuMs, entries, elapsedMs)}`,
    '≥ 500 entries/s',
  ];
}

async function failover(cluster: PeerCluster): Promise<string[]> {
  const live = cluster.ids.filter((id) => id !== PEERS);
  const times: number[] = [];
  for (let kill = 0; kill < KILLS; kill += 1) {
    await peers.untilAgreed(cluster.ids, PEERS, 10_000, 5);
    const killed = performance.now();
    await cluster.kill(PEERS);
    await peers.untilAgreed(live, PEERS - 1, 10_000, 5);
    times.push(performance.now() - killed);
    await cluster.startPeer(PEERS);
  }
  const values = sorted(times);
  return [
    'leader agreed after kill -9',
    `${KILLS} kills`,
    `p50 ${Math.round(percentile(values, 0.5))} ms`,
    `max ${Math.round(values[values.length - 1])} ms`,
    'p50 ≤ 600 ms',
  ];
}

async function berkeley(cluster: PeerCluster): Promise<string[]> {
  const time = (id: number) => peers.of(TimeServiceClient, id);
  const offsets = () =>
    Promise.all(
      cluster.ids.map(async (id) => durationToMs((await unaryCall(time(id), 'getTime', {})).offsetFromSystem, 0)),
    );
  const residuals: number[] = [];
  const bounds: number[] = [];
  for (let round = 0; round < BERKELEY_ROUNDS; round += 1) {
    // Skew the clocks again (±500 ms around the system clock), as a round of adjustments from the next peer (a peer
    // takes rounds from members only).
    const now = await offsets();
    await Promise.all(
      cluster.ids.map((id, index) =>
        unaryCall(time(id), 'adjustTime', {
          round: String(Date.now() + round),
          adjustment: msToDuration(SKEWS_MS[index] - now[index]),
          masterPeerId: (id % PEERS) + 1,
        }),
      ),
    );
    const result = await unaryCall(time(3), 'synchronize', {
      algorithm: SyncAlgorithm.SYNC_ALGORITHM_BERKELEY,
      timeServerPeerId: 0,
      samples: 0,
      maxDeviation: undefined,
    });
    const after = await offsets();
    residuals.push(Math.max(...after) - Math.min(...after));
    bounds.push(2 * durationToMs(result.errorBound, 0));
  }
  const values = sorted(residuals);
  return [
    'Berkeley residual skew, ±500 ms before',
    `${BERKELEY_ROUNDS} rounds`,
    `p50 ${ms(percentile(values, 0.5))} ms`,
    `max ${ms(values[values.length - 1])} ms (bound p50 ${ms(percentile(sorted(bounds), 0.5))})`,
    '≤ 0.5 ms',
  ];
}

/**
 * The same lock figures with the peers' messages as unary Request and Reply calls (--mutex-transport unary), on a
 * cluster of its own: what the Exchange streams save.
 */
async function unaryTransport(floorMs: number): Promise<string[][]> {
  const cluster = await PeerCluster.start({ size: PEERS, argsFor: () => ['--mutex-transport', 'unary'] });
  peers = new ClusterClients(cluster);
  try {
    await peers.untilAgreed(cluster.ids, PEERS, 10_000, 5);
    const rows = [...(await uncontended(floorMs, true)), await contended(cluster, 1)];
    return rows.map(([measure, ...rest]) => [`${measure.trim()}, peers on unary calls`, ...rest.slice(0, 3), '']);
  } finally {
    closeClients();
    await cluster.stop();
    cluster.removeFiles();
  }
}

/** Closes the shared clients and the load loops' own connections (before their cluster stops). */
function closeClients(): void {
  peers.close();
  for (const client of ownConnections.splice(0)) client.close();
}

/**
 * The same message pattern on bare grpc-js streams and nothing else (libs/testing/src/bare-ricart-agrawala.ts),
 * before the cluster: each process for itself, then through clients, the floors of the two rows with targets.
 */
async function bareFloor(): Promise<{ rows: string[][]; lockUnlockP50Ms: number }> {
  const { acquireMs, contended, lockUnlockMs, clientsContended } = await bareRicartAgrawala(measurePhase);
  const lockUnlock = sorted(lockUnlockMs);
  const latencyRow = (measure: string, values: Float64Array, unit: string) => [
    measure,
    `${values.length} ${unit}`,
    `p50 ${ms(percentile(values, 0.5))} ms`,
    `p99 ${ms(percentile(values, 0.99))} ms`,
    '(the floor)',
  ];
  const throughputRow = (measure: string, runs: string, phase: ContendedPhase) => [
    measure,
    runs,
    `${Math.round(phase.value / (phase.elapsedMs / 1000))} entries/s`,
    `${phase.value} entries, ${cpuCost(phase.cpuMs, phase.value, phase.elapsedMs)}`,
    '(the ceiling)',
  ];
  const rows = [
    latencyRow('acquire, uncontended, bare grpc-js streams', sorted(acquireMs), 'entries'),
    throughputRow('entries/s, 5 peers contending, bare grpc-js streams', 'each peer for itself', contended),
    latencyRow('lock+unlock, uncontended, bare, through a client', lockUnlock, 'cycles'),
    throughputRow('entries/s, 5 peers contending, bare, clients', '1 client per peer', clientsContended),
  ];
  return { rows, lockUnlockP50Ms: percentile(lockUnlock, 0.5) };
}

async function main(): Promise<void> {
  const { rows, lockUnlockP50Ms: floorMs } = await bareFloor();
  const cluster = await PeerCluster.start({
    size: PEERS,
    argsFor: (id) => ['--clock-skew-ms', String(SKEWS_MS[id - 1])],
  });
  peers = new ClusterClients(cluster);
  try {
    await peers.untilAgreed(cluster.ids, PEERS, 10_000, 5);
    const members = await unaryCall(peers.of(ClusterServiceClient, 1), 'listMembers', {});
    if (members.members.length !== PEERS) throw new Error('the cluster is not whole');
    rows.push(...(await unaryFloor(cluster)));
    rows.push(...(await uncontended(floorMs)));
    rows.push(await contended(cluster, 1));
    rows.push(await contended(cluster, 4));
    rows.push(await berkeley(cluster));
    rows.push(await failover(cluster));
  } finally {
    closeClients();
    await cluster.stop();
    cluster.removeFiles();
  }
  rows.push(...(await unaryTransport(floorMs)));
  process.stdout.write(`\nPeer cluster: ${PEERS} peer processes on loopback\n`);
  process.stdout.write(`${formatTable(['measure', 'runs', 'result', 'spread', 'target'], rows)}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
