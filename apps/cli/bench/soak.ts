// Soak: the whole system (`distlab up`: balancer, 2 workers, the inventory, 5 peers) under mixed load while a process
// is killed with SIGKILL every few seconds (a worker, a peer, the inventory, in turn); `distlab up` restarts each. At
// the end, with the load stopped: no acknowledged inventory write is lost (every +1 carries a request id and is retried
// until acknowledged, so the quantity must equal the acknowledged count exactly), the event logs show no two holders
// of the critical section, and every process is back to SERVING. Bounded: SOAK_SECONDS (default 60), loops stop then.
//
//   npm run soak            SOAK_SECONDS=300 npm run soak for a longer one
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FactorialServiceClient } from '@distlab/contracts/factorial/v1/factorial';
import { InventoryServiceClient } from '@distlab/contracts/inventory/v1/inventory';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { checkHealth, createClient, createHealthClient, msToDuration, unaryCall } from '@distlab/grpc-kit';
import { formatTable, freePortRange } from '@distlab/testing';
import { checkMutualExclusion, readEventLogs } from '@distlab/trace';
import { layout } from '../src/up/system';

const SOAK_SECONDS = Number(process.env['SOAK_SECONDS'] ?? 60);
const KILL_EVERY_MS = 4_000;
const PEERS = 5;
const WORKERS = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'distlab-soak-'));
  const base = await freePortRange(20);
  const ports = layout(base, PEERS, WORKERS);
  const up = spawn(
    process.execPath,
    [
      join(__dirname, '..', 'bin', 'distlab.js'),
      ...['up', '--base-port', String(base), '--peers', String(PEERS), '--workers', String(WORKERS)],
      ...['--data-dir', join(dir, 'inventory'), '--events-dir', join(dir, 'events'), '--state-dir', join(dir, 'state')],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  up.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-100_000)));
  const stopAt = { ms: 0 };
  /** Until every check passed: the system's files (event logs for `distlab trace`, the inventory) are kept. */
  let failed = true;
  try {
    for (let waited = 0; !output.includes('distlab is up') && waited < 120; waited += 1) await sleep(1_000);
    if (!output.includes('distlab is up')) throw new Error('distlab up did not come up');
    const balancer = `127.0.0.1:${ports.balancer}`;
    const inventory = createClient(InventoryServiceClient, `127.0.0.1:${ports.inventory}`, { deadlineMs: 2_000 });
    const factorial = createClient(FactorialServiceClient, balancer, { deadlineMs: 5_000 });
    const registry = createClient(RegistryServiceClient, balancer, { deadlineMs: 2_000 });
    const { item } = await unaryCall(inventory, 'addItem', { name: 'soak', quantity: '0', requestId: '' });
    const counts = {
      adjustAcked: 0,
      adjustRetries: 0,
      entries: 0,
      mutexFailures: 0,
      factorials: 0,
      factorialFailures: 0,
      kills: 0,
    };
    stopAt.ms = Date.now() + SOAK_SECONDS * 1000;
    const running = () => Date.now() < stopAt.ms;

    const adjuster = async () => {
      while (running()) {
        const requestId = randomUUID();
        // Retried with the same id until acknowledged: applied exactly once, however often the inventory dies.
        for (let attempt = 0; attempt < 200; attempt += 1) {
          try {
            await unaryCall(inventory, 'adjustQuantity', { id: item!.id, delta: '1', requestId });
            counts.adjustAcked += 1;
            break;
          } catch {
            counts.adjustRetries += 1;
            await sleep(100);
          }
        }
      }
    };
    const locker = async (peer: number) => {
      const mutex = createClient(MutexServiceClient, `127.0.0.1:${ports.peers[peer - 1].port}`, { deadlineMs: 10_000 });
      while (running()) {
        try {
          const grant = await unaryCall(mutex, 'acquire', { lease: msToDuration(5_000), clientName: `soak-${peer}` });
          await unaryCall(mutex, 'release', { fencingToken: grant.fencingToken });
          counts.entries += 1;
        } catch {
          counts.mutexFailures += 1; // Its peer died, or waits for one that did: try again.
          await sleep(200);
        }
      }
      mutex.close();
    };
    const computer = async () => {
      while (running()) {
        try {
          await unaryCall(factorial, 'compute', { n: String(1000 + Math.floor(Math.random() * 1000)) });
          counts.factorials += 1;
        } catch {
          counts.factorialFailures += 1;
          await sleep(100);
        }
      }
    };
    const killer = async () => {
      const victims = ['distlab.factorial.v1.FactorialService', 'peer-', 'distlab.inventory.v1.InventoryService'];
      for (let round = 0; running(); round += 1) {
        await sleep(KILL_EVERY_MS);
        if (!running()) break;
        const name = victims[round % victims.length];
        const listed = await unaryCall(registry, 'list', { namePrefix: name }).catch(() => ({ registrations: [] }));
        const candidates = listed.registrations.filter((registration) => registration.metadata['pid']);
        const victim = candidates[Math.floor(Math.random() * candidates.length)];
        if (victim === undefined) continue;
        try {
          process.kill(Number(victim.metadata['pid']), 'SIGKILL');
          counts.kills += 1;
          process.stdout.write(`soak: kill -9 ${victim.name} (pid ${victim.metadata['pid']})\n`);
        } catch {
          // Already gone.
        }
      }
    };
    await Promise.all([adjuster(), adjuster(), ...[1, 2, 3, 4, 5].map(locker), computer(), killer()]);

    // Everything back to SERVING (distlab up restarts what was killed).
    const addresses = [ports.balancer, ports.inventory, ...ports.workers, ...ports.peers.map((peer) => peer.port)];
    const serving: string[] = [];
    for (const port of addresses) {
      const health = createHealthClient(`127.0.0.1:${port}`, { deadlineMs: 1_000, maxAttempts: 1 });
      let status = 'UNREACHABLE';
      for (let attempt = 0; attempt < 60 && status !== 'SERVING'; attempt += 1) {
        status = await checkHealth(health).catch(() => 'UNREACHABLE');
        if (status !== 'SERVING') await sleep(500);
      }
      health.close();
      serving.push(status);
    }
    const stored = Number((await unaryCall(inventory, 'getItem', { id: item!.id })).item?.quantity);
    const exclusion = checkMutualExclusion(readEventLogs(join(dir, 'events')));
    for (const client of [inventory, factorial, registry]) client.close();

    const checks = [
      [
        'no acknowledged write lost',
        stored === counts.adjustAcked,
        `stored ${stored}, acknowledged ${counts.adjustAcked}`,
      ],
      ['never two holders', exclusion.passed, exclusion.summary],
      [
        'every process SERVING',
        serving.every((status) => status === 'SERVING'),
        `${serving.filter((status) => status === 'SERVING').length} of ${serving.length}`,
      ],
    ] as const;
    process.stdout.write(
      `\nSoak: ${SOAK_SECONDS} s, ${counts.kills} processes killed with SIGKILL (every ${KILL_EVERY_MS / 1000} s)\n`,
    );
    process.stdout.write(
      `${formatTable(
        ['load', 'done', 'failed or retried'],
        [
          ['inventory +1 (request id, retried until acked)', counts.adjustAcked, counts.adjustRetries],
          ['critical-section entries (5 peers)', counts.entries, counts.mutexFailures],
          ['factorials through the balancer', counts.factorials, counts.factorialFailures],
        ],
      )}\n\n`,
    );
    process.stdout.write(
      `${formatTable(
        ['check', 'result', 'detail'],
        checks.map(([name, passed, detail]) => [name, passed ? 'PASS' : 'FAIL', detail]),
      )}\n`,
    );
    failed = checks.some(([, passed]) => !passed);
    if (failed) process.exitCode = 1;
  } finally {
    up.kill('SIGTERM');
    await new Promise((resolve) => up.once('exit', resolve));
    if (!failed) rmSync(dir, { recursive: true, force: true });
    else process.stderr.write(`The system's files are kept in ${dir}\n`);
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
