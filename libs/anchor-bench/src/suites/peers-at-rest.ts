// Five peers at rest: the CPU five idle peers use together (their /proc CPU time over a window, as a fraction of one
// core), and, in the same suite, how long the cluster takes to agree on a new leader after kill -9 of the leader
// (measured as the peer bench measures it: poll every peer's GetLeader until all live ones name the next highest id).
// Cheap failure detection is worth nothing if it detects slowly, so the row is met only when both goals are.
// There is no anchor: the row prints "—" for it and compares with the goals themselves.

import type { AnchorRow, AnchorSuite, SuiteOptions } from '../anchor-row';
import { formatDuration, median } from '../rounds';
import { cpuTimeMsOf } from '@distlab/testing';
import { PEER_COUNT, PeerClusterRun } from './peers/peer-cluster-run';

const WORK = 'five peers at rest';
const GOAL = '≤ 0.03 of a core, failover ≤ 0.6 s';
const REST_CORE_GOAL = 0.03;
const FAILOVER_GOAL_MS = 600;
/** After the cluster agrees (or a peer restarts), how long its start-up work (module loading, JIT) is left to end. */
const SETTLE_MS = 5_000;
/** The shortest window a rest figure is read over: idle peers do a little every second, and a window sees several. */
const REST_WINDOW_MIN_MS = 5_000;
const AGREE_TIMEOUT_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long each slice of a rest window is: the peers' periodic work (a heartbeat a second) falls in every one. */
const SLICE_MS = 1_000;

/**
 * The CPU the peers used over `windowMs` of rest, in cores (1 = one core busy all the time), and the median of its
 * one-second slices. The goal is on the mean, which counts everything. The median shows the steady cost of idling
 * apart from one-off bursts: each peer's V8 shrinks the heap that start-up grew with two full collections (the
 * "memory reducer", some 100–200 ms of CPU) a minute or so after it starts, and a window a few seconds after a
 * start or a failover can hold one.
 */
async function restCores(run: PeerClusterRun, windowMs: number): Promise<{ mean: number; sliceMedian: number }> {
  const pids = run.cluster.pids;
  const read = () => {
    const used = cpuTimeMsOf(pids);
    if (used === undefined) throw new Error('cannot read the peers’ CPU time (/proc)');
    return { used, atMs: performance.now() };
  };
  const first = read();
  let last = first;
  const slices: number[] = [];
  while (last.atMs - first.atMs < windowMs) {
    await sleep(SLICE_MS);
    const next = read();
    slices.push((next.used - last.used) / (next.atMs - last.atMs));
    last = next;
  }
  return { mean: (last.used - first.used) / (last.atMs - first.atMs), sliceMedian: median(slices) };
}

/** kill -9 of the leader (the highest id) until the others agree on the next one; restarts it and waits for it to lead. */
async function failoverMs(run: PeerClusterRun): Promise<number> {
  const { cluster } = run;
  const live = cluster.ids.filter((id) => id !== PEER_COUNT);
  await run.untilAgreed(cluster.ids, PEER_COUNT, AGREE_TIMEOUT_MS);
  const killed = performance.now();
  await cluster.kill(PEER_COUNT);
  await run.untilAgreed(live, PEER_COUNT - 1, AGREE_TIMEOUT_MS);
  const tookMs = performance.now() - killed;
  await cluster.startPeer(PEER_COUNT);
  await run.untilAgreed(cluster.ids, PEER_COUNT, AGREE_TIMEOUT_MS);
  return tookMs;
}

async function measure(options: SuiteOptions): Promise<AnchorRow> {
  const run = await PeerClusterRun.start();
  try {
    const windowMs = Math.max(options.durationMs, REST_WINDOW_MIN_MS);
    const cores: number[] = [];
    const steady: number[] = [];
    const failovers: number[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      await sleep(SETTLE_MS);
      const rest = await restCores(run, windowMs);
      cores.push(rest.mean);
      steady.push(rest.sliceMedian);
      failovers.push(await failoverMs(run));
      options.log(
        `  rest round ${round + 1}: ${cores[round].toFixed(4)} of a core (median second ${steady[round].toFixed(4)}), ` +
          `failover ${formatDuration(failovers[round])}`,
      );
    }
    const [restMedian, failoverMedian] = [median(cores), median(failovers)];
    return {
      work: WORK,
      anchor: '—',
      anchorFigure: '—',
      distlabFigure: `${restMedian.toFixed(3)} core, failover ${formatDuration(failoverMedian)}`,
      ratio: `${(restMedian / REST_CORE_GOAL).toFixed(2)}× of 0.03; ${(failoverMedian / FAILOVER_GOAL_MS).toFixed(2)}× of 0.6 s`,
      goal: GOAL,
      met: restMedian <= REST_CORE_GOAL && failoverMedian <= FAILOVER_GOAL_MS,
      detail:
        `rest over ${formatDuration(windowMs)} windows: ${cores.map((value) => value.toFixed(4)).join(' ')} core ` +
        `(median second of each: ${steady.map((value) => value.toFixed(4)).join(' ')}); ` +
        `failover: ${failovers.map(formatDuration).join(' ')}`,
    };
  } finally {
    await run.close();
  }
}

/** Five idle peers' CPU, and failover after kill -9 of the leader, against the goals (no anchor). */
export const peersAtRestSuite: AnchorSuite = {
  name: 'rest',
  rows: [{ work: WORK, anchor: '—', goal: GOAL }],
  requirements: [],
  run: async (options) => [await measure(options)],
};
