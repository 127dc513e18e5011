// The distlab side of the nginx rows, as users run it: a balancer and two factorial workers, each a real process,
// the workers registered with the balancer. nginx proxies to the same two workers, so both proxies share one set of
// backends. Every worker serves its metrics, which count the calls it really answered with grpc-status OK: that is
// how the bench knows that h2load's "succeeded" (any HTTP 200) were real answers.

import type { ChildProcess } from 'node:child_process';
import { BackendHealth, BalancerServiceClient } from '@distlab/contracts/balancer/v1/balancer';
import { FactorialServiceClient } from '@distlab/contracts/factorial/v1/factorial';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { freePort, scrapeMetrics, startQuietServerProcess, stopProcesses } from '@distlab/testing';

export const FACTORIAL_SERVICE = 'distlab.factorial.v1.FactorialService';

/** A balancer and its two workers, running. */
export interface FactorialCluster {
  readonly balancerAddress: string;
  /** The balancer's process, for its CPU time (undefined if it has none, which a serving process always has). */
  readonly balancerPid: number | undefined;
  readonly workerAddresses: readonly string[];
  /** Compute calls the workers answered with status OK, summed over both, once the count has settled. */
  settledOkCalls(): Promise<number>;
  /** Returns once each worker answers small calls again (see readyAgain). */
  readyAgain(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the balancer, then two workers that register with it, and waits until the balancer sees both serving. */
export async function startFactorialCluster(): Promise<FactorialCluster> {
  const children: ChildProcess[] = [];
  try {
    const balancer = await startQuietServerProcess('balancer', []);
    children.push(balancer.child);
    const workerAddresses: string[] = [];
    const metricsUrls: string[] = [];
    for (const workerId of ['worker-1', 'worker-2']) {
      const metricsPort = await freePort();
      const worker = await startQuietServerProcess('factorial-worker', [
        '--registry',
        balancer.address,
        '--worker-id',
        workerId,
        '--metrics-port',
        String(metricsPort),
      ]);
      children.push(worker.child);
      workerAddresses.push(worker.address);
      metricsUrls.push(`http://127.0.0.1:${metricsPort}/metrics`);
    }
    await waitForServingBackends(balancer.address, 2);
    return {
      balancerAddress: balancer.address,
      balancerPid: balancer.child.pid,
      workerAddresses,
      settledOkCalls: () => settledOkCalls(metricsUrls),
      readyAgain: () => readyAgain(workerAddresses),
      stop: () => stopProcesses(children),
    };
  } catch (error) {
    await stopProcesses(children);
    throw error;
  }
}

async function waitForServingBackends(balancerAddress: string, count: number): Promise<void> {
  const admin = createClient(BalancerServiceClient, balancerAddress);
  try {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const stats = await unaryCall(admin, 'getStats', { serviceName: FACTORIAL_SERVICE });
      const serving = stats.backends.filter((backend) => backend.health === BackendHealth.BACKEND_HEALTH_SERVING);
      if (serving.length >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the balancer at ${balancerAddress} did not see ${count} serving workers within 20 s`);
  } finally {
    admin.close();
  }
}

async function okCalls(metricsUrls: readonly string[]): Promise<number> {
  const labels = { grpc_service: FACTORIAL_SERVICE, grpc_method: 'Compute', grpc_code: 'OK' };
  const scrapes = await Promise.all(metricsUrls.map(scrapeMetrics));
  return scrapes.reduce(
    (sum, scrape) => sum + scrape.find('grpc_server_handled_total', labels).reduce((total, s) => total + s.value, 0),
    0,
  );
}

/**
 * The workers' OK count once two scrapes 100 ms apart agree: calls h2load abandoned at the end of its run may still
 * be finishing in a worker when h2load exits.
 */
async function settledOkCalls(metricsUrls: readonly string[]): Promise<number> {
  let previous = await okCalls(metricsUrls);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const current = await okCalls(metricsUrls);
    if (current === previous) return current;
    previous = current;
  }
  return previous;
}

/**
 * A worker stops the pool thread of a call its client cancelled, and starts a new one, which takes a second or two on
 * a loaded machine; h2load cancels the calls still open when its time is up, so the next run would begin by waiting
 * for fresh threads, whichever proxy it measures. Two batches of eight calls straight to each worker wait that out
 * before a run starts.
 */
async function readyAgain(workerAddresses: readonly string[]): Promise<void> {
  await Promise.all(
    workerAddresses.map(async (address) => {
      const client = createClient(FactorialServiceClient, address, { maxAttempts: 1, deadlineMs: 30_000 });
      try {
        for (let batch = 0; batch < 2; batch += 1) {
          await Promise.all(Array.from({ length: 8 }, () => unaryCall(client, 'compute', { n: '10' })));
        }
      } finally {
        client.close();
      }
    }),
  );
}

/** One Compute(n) call through a proxy, checked: it must end with status OK and carry n! in decimal. */
export async function checkSampleCall(proxyAddress: string, n: number, expected: string): Promise<void> {
  const client = createClient(FactorialServiceClient, proxyAddress, { maxAttempts: 1, deadlineMs: 10_000 });
  try {
    const response = await unaryCall(client, 'compute', { n: String(n) });
    if (response.value !== expected) {
      throw new Error(`Compute(${n}) through ${proxyAddress} answered ${response.value}, not ${expected}`);
    }
  } finally {
    client.close();
  }
}
