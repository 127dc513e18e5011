// The distlab side of the GMP rows, as a user runs it: a balancer and two factorial workers as real processes, each
// on a free loopback port, the workers registered with the balancer (which is also the registry). The Python client
// then calls ComputeStream through the balancer.

import type { ChildProcess } from 'node:child_process';
import { BackendHealth, BalancerServiceClient } from '@distlab/contracts/balancer/v1/balancer';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { startQuietServerProcess, stopProcesses } from '@distlab/testing';

const FACTORIAL_SERVICE = 'distlab.factorial.v1.FactorialService';
const WORKERS = 2;
/** How long the workers get to register and be seen healthy: generous, the machine is shared. */
const SERVING_WAIT_MS = 30_000;
const POLL_MS = 100;

/** A running balancer with its workers; `stop()` ends every process, also the ones started before a failure. */
export interface DistlabFactorialSystem {
  readonly balancerAddress: string;
  stop(): Promise<void>;
}

/** Starts the balancer and two workers, and resolves once the balancer reports both workers SERVING. */
export async function startDistlabFactorialSystem(): Promise<DistlabFactorialSystem> {
  const children: ChildProcess[] = [];
  const stop = () => stopProcesses(children);
  try {
    const balancer = await startQuietServerProcess('balancer', []);
    children.push(balancer.child);
    for (let index = 1; index <= WORKERS; index += 1) {
      const worker = await startQuietServerProcess('factorial-worker', [
        '--registry',
        balancer.address,
        '--worker-id',
        `worker-${index}`,
      ]);
      children.push(worker.child);
    }
    await waitForServingWorkers(balancer.address);
    return { balancerAddress: balancer.address, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForServingWorkers(balancerAddress: string): Promise<void> {
  const admin = createClient(BalancerServiceClient, balancerAddress);
  try {
    for (let waitedMs = 0; waitedMs < SERVING_WAIT_MS; waitedMs += POLL_MS) {
      const stats = await unaryCall(admin, 'getStats', { serviceName: FACTORIAL_SERVICE });
      const serving = stats.backends.filter((backend) => backend.health === BackendHealth.BACKEND_HEALTH_SERVING);
      if (serving.length === WORKERS) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`the balancer did not see ${WORKERS} factorial workers SERVING within ${SERVING_WAIT_MS} ms`);
  } finally {
    admin.close();
  }
}
