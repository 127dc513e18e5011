import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InventoryServiceClient } from '@distlab/contracts/inventory/v1/inventory';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import {
  postgresUnavailableReason,
  startPostgres,
  startServerProcess,
  WORKSPACE_ROOT,
  type TestPostgres,
} from '@distlab/testing';

// Durability with a real process: concurrent writers (enough that SQLite's group commit puts several writes in each
// transaction) write under load, the service is killed with SIGKILL while calls are in flight, and after a restart on
// the same storage every acknowledged write is there exactly once, and none is half-applied.

const ENTRY = join(WORKSPACE_ROOT, 'apps', 'inventory-service', 'src', 'main.ts');
const WRITERS = 16;
const KILL_AFTER_ACKS = 800;
const PAGE_SIZE = 1000;
const LOOP_LIMIT = 5_000;
const LOOP_TIME_LIMIT_MS = 20_000;

const pgReason = postgresUnavailableReason();
let postgres: TestPostgres | undefined;
beforeAll(async () => {
  if (pgReason === undefined) postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const storages: Array<[string, () => string[]]> = [
  ['sqlite', () => ['--data-dir', mkdtempSync(join(tmpdir(), 'distlab-crash-'))]],
];
if (pgReason === undefined) storages.push(['postgres', () => ['--database-url', postgres!.createDatabase('crash')]]);

describe.each(storages)('inventory-service on %s, killed with SIGKILL under load', (_engine, storageArgs) => {
  it('keeps every acknowledged write after a restart, and no half-applied one', async () => {
    const args = storageArgs();
    const first = await startServerProcess(ENTRY, [...args]);
    const client = createClient(InventoryServiceClient, first.address, { deadlineMs: 5000, maxAttempts: 1 });
    const counter = (await unaryCall(client, 'addItem', { name: 'counter', quantity: '0', requestId: '' })).item!;

    const added = new Map<string, { name: string; quantity: string }>();
    let adjustmentsAcknowledged = 0;
    let adjustmentsAttempted = 0;
    let acknowledged = 0;
    let killed = false;
    const startedAt = Date.now();
    const writer = async (writerIndex: number) => {
      for (let index = 0; index < LOOP_LIMIT && !killed && Date.now() - startedAt < LOOP_TIME_LIMIT_MS; index += 1) {
        try {
          if (index % 2 === 0) {
            const name = `w${writerIndex}-${index}`;
            const item = (await unaryCall(client, 'addItem', { name, quantity: String(index), requestId: '' })).item!;
            added.set(item.id, { name, quantity: String(index) });
          } else {
            adjustmentsAttempted += 1;
            await unaryCall(client, 'adjustQuantity', { id: counter.id, delta: '1', requestId: '' });
            adjustmentsAcknowledged += 1;
          }
          acknowledged += 1;
          if (acknowledged === KILL_AFTER_ACKS) {
            killed = true;
            first.process.child.kill('SIGKILL');
          }
        } catch {
          return; // The process is gone: this call's outcome is unknown, and it was not acknowledged.
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, index) => writer(index)));
    client.close();
    expect(killed).toBe(true);
    expect(await first.process.exited()).toBe('SIGKILL');

    const second = await startServerProcess(ENTRY, [...args]);
    const reader = createClient(InventoryServiceClient, second.address);
    try {
      // Exactly once: every item, read page by page, is named for one add, and no add's name is there twice (a
      // write replayed on recovery, or committed twice by a batch, would show as a second item of the same name).
      const seenNames = new Map<string, number>();
      let pageToken = '';
      for (let page = 0; page < LOOP_LIMIT; page += 1) {
        const response = await unaryCall(reader, 'listItems', { pageSize: PAGE_SIZE, pageToken });
        for (const item of response.items) seenNames.set(item.name, (seenNames.get(item.name) ?? 0) + 1);
        pageToken = response.nextPageToken;
        if (pageToken === '') break;
      }
      expect([...seenNames].filter(([, count]) => count > 1)).toEqual([]);
      for (const { name } of added.values()) expect(seenNames.get(name)).toBe(1);
      for (const [id, expected] of added) {
        expect((await unaryCall(reader, 'getItem', { id })).item).toMatchObject(expected);
      }
      const final = (await unaryCall(reader, 'getItem', { id: counter.id })).item!;
      const quantity = Number(final.quantity);
      expect(quantity).toBeGreaterThanOrEqual(adjustmentsAcknowledged);
      expect(quantity).toBeLessThanOrEqual(adjustmentsAttempted);
      expect(Number(final.version)).toBe(quantity + 1);
    } finally {
      reader.close();
      second.process.child.kill('SIGTERM');
      expect(await second.process.exited()).toBe(0);
    }
  }, 120_000);
});
