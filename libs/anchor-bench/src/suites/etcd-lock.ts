// etcd 3.4's v3lock beside the peers' Ricart–Agrawala lock: lock+unlock uncontended (p50), and entries per second
// with five lockers contending for one name. etcd runs as one node, each of its lockers on a lease of its own, spoken
// to over etcd's own gRPC API (v3lockpb.Lock, etcdserverpb.Lease) from Node with @grpc/grpc-js (etcd-lock/). The
// peers run as five processes (apps/peer), locked through peer 1 with unary Acquire and Release and with a LockSession.
// The goal of the uncontended row is a ratio to the bare floor measured in the same round (Ricart–Agrawala on bare
// grpc-js streams through five processes, libs/testing), which this machine's speed swings cannot move; etcd's figure
// is printed beside it.

import type { AnchorRow, AnchorSuite, SuiteOptions } from '../anchor-row';
import { alternateRounds, describeRounds, formatDuration, formatRate, formatRatio, median } from '../rounds';
import { BareRicartAgrawala, percentile } from '@distlab/testing';
import { EtcdLocker } from './etcd-lock/etcd-locker';
import { ETCD_BINARY, EtcdServer } from './etcd-lock/etcd-server';
import {
  bareLocker,
  contendedRate,
  cycleLatencies,
  sessionLocker,
  unaryLocker,
  type Locker,
} from './etcd-lock/peer-lockers';
import { PEER_COUNT, PeerClusterRun } from './peers/peer-cluster-run';

const UNCONTENDED = 'lock+unlock uncontended, p50';
const CONTENDED = 'lock entries/s, 5 contending clients';
const ANCHOR = 'etcd 3.4 single node v3lock';
const UNCONTENDED_GOAL = '≤ 1.5× the same run’s floor, beside etcd';
const CONTENDED_GOAL = '≥ 5× etcd';
const FLOOR_RATIO_GOAL = 1.5;
const CONTENDED_RATIO_GOAL = 5;
/** Cycles before the first round measures (V8 optimizes every process's hot path: the steady state is measured). */
const FIRST_WARM_UP_CYCLES = 2_000;
const WARM_UP_CYCLES = 200;
const MAX_CYCLES = 5_000;
const LOCK_NAME = Buffer.from('distlab-anchor-bench');

interface Systems {
  etcd: EtcdServer;
  etcdLockers: EtcdLocker[];
  peers: PeerClusterRun;
  bare: BareRicartAgrawala;
}

const p50 = (values: number[]) => percentile(Float64Array.from(values).sort(), 0.5);

async function startSystems(): Promise<Systems> {
  const started: Partial<Systems> = {};
  try {
    started.etcd = await EtcdServer.start();
    started.etcdLockers = [];
    for (let index = 0; index < PEER_COUNT; index += 1) {
      const locker = new EtcdLocker(started.etcd.clientAddress);
      started.etcdLockers.push(locker);
      await locker.grantLease(600);
    }
    started.peers = await PeerClusterRun.start();
    started.bare = await BareRicartAgrawala.start();
    return started as Systems;
  } catch (error) {
    await stopSystems(started);
    throw error;
  }
}

async function stopSystems(systems: Partial<Systems>): Promise<void> {
  for (const locker of systems.etcdLockers ?? []) locker.close();
  const stops = [systems.bare?.close(), systems.peers?.close(), systems.etcd?.stop()];
  const failed = (await Promise.allSettled(stops)).find((result) => result.status === 'rejected');
  if (failed?.status === 'rejected') throw failed.reason;
}

async function uncontended(systems: Systems, options: SuiteOptions): Promise<AnchorRow[]> {
  const etcd: Locker = { cycle: () => systems.etcdLockers[0].lockUnlock(LOCK_NAME), close: () => undefined };
  const session = sessionLocker(systems.peers, 1, 'anchor-bench');
  const unary = unaryLocker(systems.peers, 1, 'anchor-bench');
  const floor = bareLocker(systems.bare, 0);
  const floors: number[] = [];
  const unaries: number[] = [];
  let warmUpCycles = FIRST_WARM_UP_CYCLES;
  const latency = (locker: Locker) =>
    cycleLatencies(locker, { warmUpCycles, forMs: options.durationMs, maxCycles: MAX_CYCLES }).then(p50);
  try {
    const figures = await alternateRounds(options.rounds, {
      anchor: () => latency(etcd),
      distlab: async () => {
        // The floor, the Session and the unary path one after the other, so that the ratios compare like moments.
        floors.push(await latency(floor));
        const sessionMs = await latency(session);
        unaries.push(await latency(unary));
        warmUpCycles = WARM_UP_CYCLES;
        options.log(
          `  lock round: floor ${formatDuration(floors.at(-1) ?? 0)}, Session ${formatDuration(sessionMs)}, ` +
            `unary ${formatDuration(unaries.at(-1) ?? 0)}`,
        );
        return sessionMs;
      },
    });
    const floorRatios = figures.distlab.map((value, round) => value / floors[round]);
    const unaryRatios = unaries.map((value, round) => value / floors[round]);
    const etcdMs = median(figures.anchor);
    const row = (path: string, values: number[], ratios: number[]): AnchorRow => ({
      work: `${UNCONTENDED}, ${path}`,
      anchor: ANCHOR,
      anchorFigure: formatDuration(etcdMs),
      distlabFigure: formatDuration(median(values)),
      ratio: `${formatRatio(median(ratios))} floor, ${formatRatio(median(values) / etcdMs)} etcd`,
      goal: UNCONTENDED_GOAL,
      met: median(ratios) <= FLOOR_RATIO_GOAL,
      detail:
        `floor ${formatDuration(median(floors))}; per round ÷ floor: ${ratios.map(formatRatio).join(' ')}; ` +
        `etcd ${figures.anchor.map(formatDuration).join(' ')}`,
    });
    return [row('Session', figures.distlab, floorRatios), row('unary', unaries, unaryRatios)];
  } finally {
    session.close();
    unary.close();
  }
}

async function contended(systems: Systems, options: SuiteOptions): Promise<AnchorRow> {
  const etcd: Locker[] = systems.etcdLockers.map((locker) => ({
    cycle: () => locker.lockUnlock(LOCK_NAME),
    close: () => undefined,
  }));
  const peers = systems.peers.cluster.ids.map((id) => sessionLocker(systems.peers, id, `anchor-bench-${id}`));
  try {
    const figures = await alternateRounds(options.rounds, {
      anchor: () => contendedRate(etcd, options.durationMs),
      distlab: () => contendedRate(peers, options.durationMs),
    });
    const ratio = median(figures.distlab) / median(figures.anchor);
    return {
      work: CONTENDED,
      anchor: `${ANCHOR}, 5 lockers (a lease each)`,
      anchorFigure: formatRate(median(figures.anchor), 'entries/s'),
      distlabFigure: formatRate(median(figures.distlab), 'entries/s'),
      ratio: formatRatio(ratio),
      goal: CONTENDED_GOAL,
      met: ratio >= CONTENDED_RATIO_GOAL,
      detail: `a Session client per peer; ${describeRounds(figures)}`,
    };
  } finally {
    for (const locker of peers) locker.close();
  }
}

/** etcd's v3lock against the peers' lock and its bare floor. */
export const etcdLockSuite: AnchorSuite = {
  name: 'etcd',
  rows: [
    { work: `${UNCONTENDED}, Session`, anchor: ANCHOR, goal: UNCONTENDED_GOAL },
    { work: `${UNCONTENDED}, unary`, anchor: ANCHOR, goal: UNCONTENDED_GOAL },
    { work: CONTENDED, anchor: `${ANCHOR}, 5 lockers (a lease each)`, goal: CONTENDED_GOAL },
  ],
  requirements: [{ kind: 'binary', path: ETCD_BINARY, debianPackage: 'etcd-server' }],
  async run(options) {
    const systems = await startSystems();
    try {
      return [...(await uncontended(systems, options)), await contended(systems, options)];
    } finally {
      await stopSystems(systems);
    }
  },
};
