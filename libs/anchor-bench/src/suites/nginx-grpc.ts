// nginx 1.22 grpc_pass against distlab's balancer, both proxying small unary calls (Compute(10)) to the same two
// factorial workers, both driven by h2load from one connection: at 64 calls in flight (throughput) and at 1
// (latency). Each round's h2load figures are checked against what the workers really answered (their metrics) and a
// sample call through each proxy must come back OK with 10!, so a proxy answering errors fast cannot win a row.

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

/** Both rows: alternating rounds of nginx and the balancer at one in-flight count. */
async function measureRow(
  inFlight: number,
  sides: { nginx: Measure; distlab: Measure },
  options: SuiteOptions,
): Promise<{ calls: { anchor: number[]; distlab: number[] }; meansMs: { anchor: number[]; distlab: number[] } }> {
  const meansMs = { anchor: [] as number[], distlab: [] as number[] };
  const calls = await alternateRounds(options.rounds, {
    anchor: async () => {
      const result = await sides.nginx(inFlight);
      meansMs.anchor.push(result.meanMs);
      options.log(`  nginx   -m${inFlight}: ${formatRate(result.callsPerSecond, 'calls/s')}, mean ${result.meanMs} ms`);
      return result.callsPerSecond;
    },
    distlab: async () => {
      const result = await sides.distlab(inFlight);
      meansMs.distlab.push(result.meanMs);
      options.log(`  distlab -m${inFlight}: ${formatRate(result.callsPerSecond, 'calls/s')}, mean ${result.meanMs} ms`);
      return result.callsPerSecond;
    },
  });
  return { calls, meansMs };
}

async function run(options: SuiteOptions): Promise<AnchorRow[]> {
  const directory = mkdtempSync(join(tmpdir(), 'distlab-nginx-bench-'));
  let cluster: FactorialCluster | undefined;
  let nginx: Awaited<ReturnType<typeof startNginxGrpcProxy>> | undefined;
  try {
    const bodyFile = writeComputeRequestBody(directory, N);
    cluster = await startFactorialCluster();
    nginx = await startNginxGrpcProxy(cluster.workerAddresses);
    const sides = {
      nginx: measureThrough('nginx', nginx.address, cluster, bodyFile, options.durationMs),
      distlab: measureThrough('the balancer', cluster.balancerAddress, cluster, bodyFile, options.durationMs),
    };
    // Warm-up: connections opened, JIT warm, on both sides, before any round counts.
    for (const side of [sides.nginx, sides.distlab]) await side(64);

    const throughput = await measureRow(64, sides, options);
    const latency = await measureRow(1, sides, options);
    return [throughputRow(throughput.calls), latencyRow(latency.calls, latency.meansMs)];
  } finally {
    await nginx?.stop();
    await cluster?.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

function throughputRow(calls: { anchor: number[]; distlab: number[] }): AnchorRow {
  const ratio = median(calls.distlab) / median(calls.anchor);
  return {
    work: THROUGHPUT_WORK,
    anchor: ANCHOR,
    anchorFigure: formatRate(median(calls.anchor), 'calls/s'),
    distlabFigure: formatRate(median(calls.distlab), 'calls/s'),
    ratio: formatRatio(ratio),
    goal: THROUGHPUT_GOAL,
    met: ratio >= 1.0,
    detail: describeRounds(calls),
  };
}

function latencyRow(
  calls: { anchor: number[]; distlab: number[] },
  meansMs: { anchor: number[]; distlab: number[] },
): AnchorRow {
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
      `distlab ${meansMs.distlab.map((ms) => ms.toFixed(3)).join(' ')}`,
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
