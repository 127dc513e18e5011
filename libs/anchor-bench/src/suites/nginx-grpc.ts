// nginx 1.22 grpc_pass against distlab's balancer, both proxying small unary calls (Compute(10)) to the same two
// factorial workers, both driven by h2load from one connection: at 64 calls in flight (throughput) and at 1
// (latency). Each round's h2load figures are checked against what the workers really answered (their metrics) and a
// sample call through each proxy must come back OK with 10!, so a proxy answering errors fast cannot win a row. A run
// through a bare node:http2 proxy (bare-http2-proxy.ts) prints the floor under each row: what node's HTTP/2 stack
// costs before the balancer does anything of its own. Each run also prints the CPU time its proxy process used per call
// (from /proc), which says more than the calls/s on a machine that other work shares.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuTimeMsOf } from '@distlab/testing';
import type { AnchorRow, AnchorSuite, Requirement, SuiteOptions } from '../anchor-row';
import { alternateRounds, describeRounds, formatDuration, formatRate, formatRatio, median } from '../rounds';
import {
  checkSampleCall,
  FACTORIAL_SERVICE,
  startFactorialCluster,
  type FactorialCluster,
} from './nginx-grpc/factorial-cluster';
import { startBareHttp2Proxy, type BareHttp2Proxy } from './nginx-grpc/bare-http2-proxy';
import { H2LOAD, runH2load, writeComputeRequestBody, type H2loadResult } from './nginx-grpc/h2load';
import { NGINX, startNginxGrpcProxy } from './nginx-grpc/nginx-proxy';

const N = 10;
const N_FACTORIAL = '3628800';
const ANCHOR = 'nginx 1.22 grpc_pass, 1 worker process, upstream keepalive';
const THROUGHPUT_WORK = `Compute(${N}) via proxy to 2 workers, h2load -c1 -m64`;
const LATENCY_WORK = `Compute(${N}) via proxy to 2 workers, h2load -c1 -m1`;
const THROUGHPUT_GOAL = '≥ 1.0× nginx';
const LATENCY_GOAL = '≥ 0.9× nginx, mean ≤ nginx + 0.1 ms';
/** How much later than nginx's mean distlab's mean may be in the latency row. */
const LATENCY_ALLOWANCE_MS = 0.1;

const REQUIREMENTS: readonly Requirement[] = [
  { kind: 'binary', path: NGINX, debianPackage: 'nginx-light' },
  { kind: 'binary', path: H2LOAD, debianPackage: 'nghttp2-client' },
];

/** One side's run: h2load's figures, and the CPU its proxy process used per call (undefined without /proc). */
interface SideResult extends H2loadResult {
  readonly proxyCpuUsPerCall: number | undefined;
}

/** The measurement of one side in one round: h2load's figures, already checked against the workers. */
type Measure = (inFlight: number) => Promise<SideResult>;

/** A proxy to measure: where it listens and the processes whose CPU time is its own. */
interface ProxySide {
  readonly label: string;
  readonly address: string;
  readonly pids: readonly number[];
}

/** Runs h2load against one proxy and checks its figures against the workers' own count and a sample call. */
function measureThrough(side: ProxySide, cluster: FactorialCluster, bodyFile: string, durationMs: number): Measure {
  const { label, address: proxyAddress, pids } = side;
  return async (inFlight) => {
    await cluster.readyAgain();
    const before = await cluster.settledOkCalls();
    const cpuBeforeMs = pids.length === 0 ? undefined : cpuTimeMsOf(pids);
    const result = await runH2load({
      url: `http://${proxyAddress}/${FACTORIAL_SERVICE}/Compute`,
      bodyFile,
      inFlight,
      durationMs,
    });
    const cpuAfterMs = cpuTimeMsOf(pids);
    const answered = (await cluster.settledOkCalls()) - before;
    // h2load stops at the end of its duration with up to `inFlight` calls still open, which the workers may answer.
    if (result.failed > 0 || answered < result.succeeded || answered > result.succeeded + inFlight) {
      throw new Error(
        `${label} at -m${inFlight}: h2load counted ${result.succeeded} succeeded and ${result.failed} failed, ` +
          `but the workers answered ${answered} calls OK; the proxy's answers are not what h2load counted`,
      );
    }
    await checkSampleCall(proxyAddress, N, N_FACTORIAL);
    const proxyCpuUsPerCall =
      cpuBeforeMs === undefined || cpuAfterMs === undefined || result.succeeded === 0
        ? undefined
        : ((cpuAfterMs - cpuBeforeMs) * 1000) / result.succeeded;
    return { ...result, proxyCpuUsPerCall };
  };
}

/** One row's figures: calls/s, mean latency and proxy CPU per call of each round, and one run through the floor. */
interface RowFigures {
  calls: { anchor: number[]; distlab: number[] };
  meansMs: { anchor: number[]; distlab: number[] };
  cpuUsPerCall: { anchor: number[]; distlab: number[] };
  floor: SideResult;
}

/**
 * One row: alternating rounds of nginx and the balancer at one in-flight count, then one run through the bare
 * node:http2 proxy, the floor that says how much of the gap to nginx is node's HTTP/2 stack rather than the balancer.
 */
async function measureRow(
  inFlight: number,
  sides: { nginx: Measure; distlab: Measure; floor: Measure },
  options: SuiteOptions,
): Promise<RowFigures> {
  const meansMs = { anchor: [] as number[], distlab: [] as number[] };
  const cpuUsPerCall = { anchor: [] as number[], distlab: [] as number[] };
  const run = async (label: string, measure: Measure): Promise<SideResult> => {
    const result = await measure(inFlight);
    const rate = formatRate(result.callsPerSecond, 'calls/s');
    options.log(
      `  ${label.padEnd(7)} -m${inFlight}: ${rate}, mean ${formatDuration(result.meanMs)}, ` +
        `proxy CPU ${formatCpuPerCall(result.proxyCpuUsPerCall)}`,
    );
    return result;
  };
  const keep = (side: 'anchor' | 'distlab', result: SideResult): number => {
    meansMs[side].push(result.meanMs);
    if (result.proxyCpuUsPerCall !== undefined) cpuUsPerCall[side].push(result.proxyCpuUsPerCall);
    return result.callsPerSecond;
  };
  const calls = await alternateRounds(options.rounds, {
    anchor: async () => keep('anchor', await run('nginx', sides.nginx)),
    distlab: async () => keep('distlab', await run('distlab', sides.distlab)),
  });
  const floor = await run('floor', sides.floor);
  return { calls, meansMs, cpuUsPerCall, floor };
}

function formatCpuPerCall(microseconds: number | undefined): string {
  return microseconds === undefined ? 'unknown' : `${Math.round(microseconds)} µs/call`;
}

async function run(options: SuiteOptions): Promise<AnchorRow[]> {
  const directory = mkdtempSync(join(tmpdir(), 'distlab-nginx-bench-'));
  let cluster: FactorialCluster | undefined;
  let nginx: Awaited<ReturnType<typeof startNginxGrpcProxy>> | undefined;
  let bare: BareHttp2Proxy | undefined;
  try {
    const bodyFile = writeComputeRequestBody(directory, N);
    const started = await startFactorialCluster();
    cluster = started;
    nginx = await startNginxGrpcProxy(cluster.workerAddresses);
    bare = await startBareHttp2Proxy(cluster.workerAddresses);
    // The floor proxy runs in this process, which is otherwise idle while h2load drives it.
    const proxies: ProxySide[] = [
      { label: 'nginx', address: nginx.address, pids: nginx.pids },
      {
        label: 'the balancer',
        address: cluster.balancerAddress,
        pids: started.balancerPid === undefined ? [] : [started.balancerPid],
      },
      { label: 'the bare node:http2 proxy', address: bare.address, pids: [process.pid] },
    ];
    const [nginxSide, distlabSide, floorSide] = proxies.map((side) =>
      measureThrough(side, started, bodyFile, options.durationMs),
    );
    const sides = { nginx: nginxSide, distlab: distlabSide, floor: floorSide };
    // Warm-up: connections opened, JIT warm, on both sides, before any round counts.
    for (const side of [sides.nginx, sides.distlab, sides.floor]) await side(64);

    const throughput = await measureRow(64, sides, options);
    const latency = await measureRow(1, sides, options);
    return [throughputRow(throughput), latencyRow(latency)];
  } finally {
    await bare?.stop();
    await nginx?.stop();
    await cluster?.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * "floor (bare node:http2 proxy, one run): 4.10k calls/s, 0.85× nginx, mean 0.62 ms; proxy CPU per call (median):
 * nginx 60 µs/call, distlab 140 µs/call, floor 120 µs/call"
 */
function describeFloor({ calls, cpuUsPerCall, floor }: RowFigures): string {
  const ofNginx = formatRatio(floor.callsPerSecond / median(calls.anchor));
  const medianCpu = (values: number[]) => formatCpuPerCall(values.length === 0 ? undefined : median(values));
  return (
    `floor (bare node:http2 proxy, one run): ${formatRate(floor.callsPerSecond, 'calls/s')}, ${ofNginx} nginx, ` +
    `mean ${formatDuration(floor.meanMs)}; proxy CPU per call (median): nginx ${medianCpu(cpuUsPerCall.anchor)}, ` +
    `distlab ${medianCpu(cpuUsPerCall.distlab)}, floor ${formatCpuPerCall(floor.proxyCpuUsPerCall)}`
  );
}

function throughputRow(figures: RowFigures): AnchorRow {
  const { calls } = figures;
  const ratio = median(calls.distlab) / median(calls.anchor);
  return {
    work: THROUGHPUT_WORK,
    anchor: ANCHOR,
    anchorFigure: formatRate(median(calls.anchor), 'calls/s'),
    distlabFigure: formatRate(median(calls.distlab), 'calls/s'),
    ratio: formatRatio(ratio),
    goal: THROUGHPUT_GOAL,
    met: ratio >= 1.0,
    detail: `${describeRounds(calls)}; ${describeFloor(figures)}`,
  };
}

function latencyRow(figures: RowFigures): AnchorRow {
  const { calls, meansMs } = figures;
  const ratio = median(calls.distlab) / median(calls.anchor);
  const anchorMeanMs = median(meansMs.anchor);
  const distlabMeanMs = median(meansMs.distlab);
  return {
    work: LATENCY_WORK,
    anchor: ANCHOR,
    anchorFigure: `${formatRate(median(calls.anchor), 'calls/s')}, mean ${formatDuration(anchorMeanMs)}`,
    distlabFigure: `${formatRate(median(calls.distlab), 'calls/s')}, mean ${formatDuration(distlabMeanMs)}`,
    ratio: formatRatio(ratio),
    goal: LATENCY_GOAL,
    met: ratio >= 0.9 && distlabMeanMs <= anchorMeanMs + LATENCY_ALLOWANCE_MS,
    detail:
      `${describeRounds(calls)}; mean ms nginx ${meansMs.anchor.map((ms) => ms.toFixed(3)).join(' ')}, ` +
      `distlab ${meansMs.distlab.map((ms) => ms.toFixed(3)).join(' ')}; ${describeFloor(figures)}`,
  };
}

/** nginx grpc_pass beside the balancer, over the same two factorial workers. */
export const nginxGrpcSuite: AnchorSuite = {
  name: 'nginx',
  rows: [
    { work: THROUGHPUT_WORK, anchor: ANCHOR, goal: THROUGHPUT_GOAL },
    { work: LATENCY_WORK, anchor: ANCHOR, goal: LATENCY_GOAL },
  ],
  requirements: REQUIREMENTS,
  run,
};
