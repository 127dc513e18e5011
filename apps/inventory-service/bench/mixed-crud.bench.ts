// Benchmark: mixed CRUD on the inventory (SQLite and PostgreSQL) at 1, 4, 16 and 64 calls in flight, against the
// ceiling of an echo RPC on the same server stack, measured the same way in the same run.
//
//   npm run bench                 (all benchmarks)     npx nx bench inventory-service     (this one)
//   BENCH_DURATION_MS=3000        how long each cell runs (bounded in calls too)
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InventoryServiceClient } from '@distlab/contracts/inventory/v1/inventory';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import {
  formatTable,
  postgresUnavailableReason,
  runLoad,
  startPostgres,
  startQuietServerProcess,
  stopProcesses,
  type LoadResult,
  type TestPostgres,
} from '@distlab/testing';
import { PREPOPULATED_ITEMS } from './operations';

const DURATION_MS = Number(process.env['BENCH_DURATION_MS'] ?? 3000);
const CONCURRENCIES = [1, 4, 16, 64];
const MAX_CALLS_PER_LOOP = 200_000;
const OPERATIONS = join(__dirname, 'operations.ts');

async function populate(address: string): Promise<void> {
  const client = createClient(InventoryServiceClient, address);
  for (let batch = 0; batch < PREPOPULATED_ITEMS / 50; batch += 1) {
    await Promise.all(
      Array.from({ length: 50 }, () => unaryCall(client, 'addItem', { name: 'seed', quantity: '100', requestId: '' })),
    );
  }
  client.close();
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  let postgres: TestPostgres | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'distlab-bench-'));
  try {
    const targets: Array<{ label: string; target: string }> = [];
    const echo = await startQuietServerProcess('peer', []);
    children.push(echo.child);
    targets.push({ label: 'echo (GreeterService.SayHello)', target: `echo:${echo.address}` });

    const sqlite = await startQuietServerProcess('inventory-service', ['--data-dir', dataDir]);
    children.push(sqlite.child);
    await populate(sqlite.address);
    targets.push({ label: 'inventory mixed CRUD, SQLite', target: `crud:${sqlite.address}` });

    const pgReason = postgresUnavailableReason();
    if (pgReason === undefined) {
      postgres = await startPostgres({ durable: true });
      const pg = await startQuietServerProcess('inventory-service', [
        '--database-url',
        postgres.createDatabase('bench'),
      ]);
      children.push(pg.child);
      await populate(pg.address);
      targets.push({ label: 'inventory mixed CRUD, PostgreSQL', target: `crud:${pg.address}` });
    } else {
      process.stdout.write(`PostgreSQL rows skipped: ${pgReason}\n`);
    }

    const load = (target: string, concurrency: number, durationMs = DURATION_MS) =>
      runLoad({ module: OPERATIONS, target, concurrency, durationMs, maxCallsPerLoop: MAX_CALLS_PER_LOOP, threads: 2 });
    for (const { target } of targets) await load(target, 4, 500); // Warm-up: JIT, connections, caches.

    const rows: Array<(string | number)[]> = [];
    const ratios = new Map<string, number>();
    for (const concurrency of CONCURRENCIES) {
      let ceiling: LoadResult | undefined;
      for (const { label, target } of targets) {
        const result = await load(target, concurrency);
        ceiling ??= result;
        const ratio = result.callsPerSecond / ceiling.callsPerSecond;
        ratios.set(`${label}@${concurrency}`, ratio);
        rows.push([
          label,
          concurrency,
          Math.round(result.callsPerSecond),
          result.p50Ms.toFixed(2),
          result.p99Ms.toFixed(2),
          `${Math.round(ratio * 100)}%`,
          result.errors,
        ]);
        if (result.errors > 0)
          process.stdout.write(`  ${label}: ${result.errors} errors, first: ${result.firstError}\n`);
      }
    }
    process.stdout.write(
      `\nInventory benchmark: ${DURATION_MS} ms per cell, 2 load threads, servers at --log-level warn\n`,
    );
    process.stdout.write(
      `${formatTable(['target', 'in flight', 'calls/s', 'p50 ms', 'p99 ms', 'of echo', 'errors'], rows)}\n`,
    );
    const goal = ratios.get('inventory mixed CRUD, SQLite@16') ?? 0;
    process.stdout.write(
      `\ngoal: mixed CRUD on SQLite at 16 in flight >= 70% of the echo ceiling: ${Math.round(goal * 100)}% ${goal >= 0.7 ? 'MET' : 'NOT MET'}\n`,
    );
  } finally {
    await stopProcesses(children);
    postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
