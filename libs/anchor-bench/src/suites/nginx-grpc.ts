// nginx 1.22 grpc_pass against distlab's balancer, both proxying small unary calls (Compute(10)) to the same two
// factorial workers, both driven by h2load from one connection: at 64 calls in flight (throughput) and at 1
// (latency). Each round's h2load figures are checked against what the workers really answered (their metrics) and a
// sample call through each proxy must come back OK with 10!, so a proxy answering errors fast cannot win a row. A run
// through a bare node:http2 proxy (bare-http2-proxy.ts) prints the floor under each row: what node's HTTP/2 stack
// costs before the balancer does anything of its own.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** The measurement of one side in one round: h2load's figures, already checked against the workers. */
type Measure = (inFlight: number) => Promise<H2loadResult>;

/** Runs h2load against one proxy and checks its figures against the workers' own count and a sample call. */
function measureThrough(
  label: string,
  proxyAddress: string,
  cluster: FactorialCluster,
  bodyFile: string,
  durationMs: number,
): Measure {
  return async (inFlight) => {
    await cluster.readyAgain();
    const before = await cluster.settledOkCalls();
    const result = await runH2load({
      url: `http://${proxyAddress}/${FACTORIAL_SERVICE}/Compute`,
      bodyFile,
      inFlight,
      durationMs,
    });
    const answered = (await cluster.settledOkCalls()) - before;
    // h2load stops at the end of its duration with up to `inFlight` calls still open, which the workers may answer.
    if (result.failed > 0 || answered < result.succeeded || answered > result.succeeded + inFlight) {
      throw new Error(
        `${label} at -m${inFlight}: h2load counted ${result.succeeded} succeeded and ${result.failed} failed, ` +
          `but the workers answered ${answered} calls OK; the proxy's answers are not what h2load counted`,
      );
    }
    await checkSampleCall(proxyAddress, N, N_FACTORIAL);
    return result;
  };
}

/** One row's figures: calls/s and mean latency of each round, and of one run through the floor proxy. */
interface RowFigures {
  calls: { anchor: number[]; distlab: number[] };
  meansMs: { anchor: number[]; distlab: number[] };
  floor: H2loadResult;
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
  const run = async (label: string, measure: Measure): Promise<H2loadResult> => {
    const result = await measure(inFlight);
    const rate = formatRate(result.callsPerSecond, 'calls/s');
    options.log(`  ${label.padEnd(7)} -m${inFlight}: ${rate}, mean ${formatDuration(result.meanMs)}`);
    return result;
  };
  const calls = await alternateRounds(options.rounds, {
    anchor: async () => {
      const result = await run('nginx', sides.nginx);
      meansMs.anchor.push(result.meanMs);
      return result.callsPerSecond;
    },
    distlab: async () => {
      const result = await run('distlab', sides.distlab);
      meansMs.distlab.push(result.meanMs);
      return result.callsPerSecond;
    },
  });
  const floor = await run('floor', sides.floor);
  return { calls, meansMs, floor };
}

async function run(options: SuiteOptions): Promise<AnchorRow[]> {
  const directory = mkdtempSync(join(tmpdir(), 'distlab-nginx-bench-'));
  let cluster: FactorialCluster | undefined;
  let nginx: Awaited<ReturnType<typeof startNginxGrpcProxy>> | undefined;
  let bare: BareHttp2Proxy | undefined;
  try {
    const bodyFile = writeComputeRequestBody(directory, N);
    cluster = await startFactorialCluster();
    nginx = await startNginxGrpcProxy(cluster.workerAddresses);
    bare = await startBareHttp2Proxy(cluster.workerAddresses);
    const sides = {
      nginx: measureThrough('nginx', nginx.address, cluster, bodyFile, options.durationMs),
      distlab: measureThrough('the balancer', cluster.balancerAddress, cluster, bodyFile, options.durationMs),
      floor: measureThrough('the bare node:http2 proxy', bare.address, cluster, bodyFile, options.durationMs),
    };
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

/** "floor (bare node:http2 proxy, one run): 4.10k calls/s, 0.85× nginx, mean 0.62 ms" */
function describeFloor({ calls, floor }: RowFigures): string {
  const ofNginx = formatRatio(floor.callsPerSecond / median(calls.anchor));
  return (
    `floor (bare node:http2 proxy, one run): ${formatRate(floor.callsPerSecond, 'calls/s')}, ${ofNginx} nginx, ` +
    `mean ${formatDuration(floor.meanMs)}`
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
