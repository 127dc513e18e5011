// Benchmarks of the balancer, with real processes (a balancer and two factorial workers that register with it):
//  (b) small unary calls (Compute(10)) through the balancer against straight to one worker, at 16 and 64 in flight;
//  (c) a skewed mix, small calls next to a steady stream of huge ones, under round_robin and least_outstanding:
//      the p99 of the small calls shows whether the strategy steers them away from the busy worker.
//
//   npx nx bench balancer                  BENCH_DURATION_MS=3000 per cell
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BalancerServiceClient, BackendHealth, Strategy } from '@distlab/contracts/balancer/v1/balancer';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { formatTable, runLoad, startQuietServerProcess, stopProcesses } from '@distlab/testing';

const DURATION_MS = Number(process.env['BENCH_DURATION_MS'] ?? 3000);
const OPERATIONS = join(__dirname, 'operations.ts');
const SMALL_N = 10;
const SKEW_SMALL_N = 100;
const SKEW_HUGE_N = 150_000;

const load = (n: number, address: string, concurrency: number) =>
  runLoad({
    module: OPERATIONS,
    target: `compute:${n}:${address}`,
    concurrency,
    durationMs: DURATION_MS,
    maxCallsPerLoop: 100_000,
    threads: 2,
  });

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  try {
    const balancer = await startQuietServerProcess('balancer', []);
    children.push(balancer.child);
    const workers = [];
    for (let index = 0; index < 2; index += 1) {
      const worker = await startQuietServerProcess('factorial-worker', [
        '--registry',
        balancer.address,
        '--worker-id',
        `worker-${index + 1}`,
      ]);
      children.push(worker.child);
      workers.push(worker);
    }
    const admin = createClient(BalancerServiceClient, balancer.address);
    for (let waited = 0; waited < 100; waited += 1) {
      const stats = await unaryCall(admin, 'getStats', { serviceName: 'distlab.factorial.v1.FactorialService' });
      if (stats.backends.filter((backend) => backend.health === BackendHealth.BACKEND_HEALTH_SERVING).length === 2)
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await load(SMALL_N, balancer.address, 4); // Warm-up.

    const throughput: Array<(string | number)[]> = [];
    let ratioAt64 = 0;
    for (const concurrency of [16, 64]) {
      const direct = await load(SMALL_N, workers[0].address, concurrency);
      const proxied = await load(SMALL_N, balancer.address, concurrency);
      const ratio = proxied.callsPerSecond / direct.callsPerSecond;
      if (concurrency === 64) ratioAt64 = ratio;
      for (const [label, result] of [
        ['straight to worker-1', direct],
        ['through the balancer (2 workers)', proxied],
      ] as const) {
        if (result.errors > 0) throw new Error(`${label}: ${result.errors} errors, first: ${result.firstError}`);
      }
      throughput.push([
        'straight to worker-1',
        concurrency,
        Math.round(direct.callsPerSecond),
        direct.p50Ms.toFixed(2),
        direct.p99Ms.toFixed(2),
        '100%',
      ]);
      throughput.push([
        'through the balancer (2 workers)',
        concurrency,
        Math.round(proxied.callsPerSecond),
        proxied.p50Ms.toFixed(2),
        proxied.p99Ms.toFixed(2),
        `${Math.round(ratio * 100)}%`,
      ]);
    }

    const skew: Array<(string | number)[]> = [];
    for (const [label, strategy] of [
      ['round_robin', Strategy.STRATEGY_ROUND_ROBIN],
      ['least_outstanding', Strategy.STRATEGY_LEAST_OUTSTANDING],
    ] as const) {
      await unaryCall(admin, 'setStrategy', { strategy });
      const [small, huge] = await Promise.all([
        load(SKEW_SMALL_N, balancer.address, 8),
        load(SKEW_HUGE_N, balancer.address, 2),
      ]);
      skew.push([
        label,
        small.calls,
        small.p50Ms.toFixed(2),
        small.p99Ms.toFixed(2),
        huge.calls,
        small.errors + huge.errors,
      ]);
    }
    admin.close();

    process.stdout.write(
      `\n(b) Compute(${SMALL_N}) calls, ${DURATION_MS} ms per cell, 2 load threads, servers at --log-level warn\n`,
    );
    process.stdout.write(
      `${formatTable(['path', 'in flight', 'calls/s', 'p50 ms', 'p99 ms', 'of direct'], throughput)}\n`,
    );
    process.stdout.write(
      `goal: the balancer keeps >= 60% of direct throughput at 64 in flight: ${Math.round(ratioAt64 * 100)}% ${ratioAt64 >= 0.6 ? 'MET' : 'NOT MET'}\n`,
    );
    process.stdout.write(
      `\n(c) skewed mix: 8 loops of Compute(${SKEW_SMALL_N}) beside 2 loops of Compute(${SKEW_HUGE_N}), ${DURATION_MS} ms each\n`,
    );
    process.stdout.write(
      `${formatTable(['strategy', 'small calls', 'small p50 ms', 'small p99 ms', 'huge calls', 'errors'], skew)}\n`,
    );
  } finally {
    await stopProcesses(children);
  }
}

void main();
