import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InventoryServiceClient, type Item } from '@distlab/contracts/inventory/v1/inventory';
import { checkHealth, createClient, createHealthClient, unaryCall } from '@distlab/grpc-kit';
import {
  formatFuzzReports,
  fuzzInChildProcess,
  fuzzRequestCount,
  fuzzTimeoutMs,
  startQuietServerProcess,
  stopProcesses,
} from '@distlab/testing';

// Hostile input for the inventory on a real process (SQLite): thousands of requests built from the descriptors (see
// libs/testing/src/fuzz-messages.ts), every one answered with a status some contract allows; afterwards the service
// still answers health, every stored item is valid (name 1 to 200 characters, quantity 0 to 2^53-1, version at least
// 1), and a restart on the same data directory finds exactly the same items.

const SERVICE = 'distlab.inventory.v1.InventoryService';
const dataDir = mkdtempSync(join(tmpdir(), 'distlab-inventory-fuzz-'));

async function allItems(address: string): Promise<Item[]> {
  const client = createClient(InventoryServiceClient, address);
  const items: Item[] = [];
  let pageToken = '';
  try {
    for (let pages = 0; pages < 1_000; pages += 1) {
      const page = await unaryCall(client, 'listItems', { pageSize: 1000, pageToken });
      items.push(...page.items);
      pageToken = page.nextPageToken;
      if (pageToken === '') break;
    }
  } finally {
    client.close();
  }
  return items;
}

/** Requests: 3,000 in `npm test`; FUZZ_REQUESTS=10000 for a soak (npm run fuzz:soak). */
const SPEC_REQUESTS = 3_000;
const REQUESTS = fuzzRequestCount(SPEC_REQUESTS);

describe('the inventory under hostile input', () => {
  it(
    'answers every request sensibly, keeps serving, and keeps only valid data, durably',
    async () => {
      const first = await startQuietServerProcess('inventory-service', ['--data-dir', dataDir, '--log-level', 'error']);
      let items: Item[];
      try {
        const [report] = await fuzzInChildProcess(first.address, [SERVICE], {
          requests: REQUESTS,
          seed: 7,
          deadlineMs: 1_000,
        });
        console.log(formatFuzzReports('fuzzed the inventory', [report]));
        expect(report.unexpected).toEqual([]);
        expect(report.sent).toBeGreaterThanOrEqual(REQUESTS);
        const health = createHealthClient(first.address);
        expect(await checkHealth(health)).toBe('SERVING');
        health.close();
        items = await allItems(first.address);
        expect(items.length).toBeGreaterThan(0);
        for (const item of items) {
          const length = [...item.name].length;
          expect(length >= 1 && length <= 200 && item.name.trim() === item.name).toBe(true);
          expect(Number(item.quantity)).toBeGreaterThanOrEqual(0);
          expect(Number.isSafeInteger(Number(item.quantity))).toBe(true);
          expect(Number(item.version)).toBeGreaterThanOrEqual(1);
        }
      } finally {
        await stopProcesses([first.child]);
      }
      const second = await startQuietServerProcess('inventory-service', [
        '--data-dir',
        dataDir,
        '--log-level',
        'error',
      ]);
      try {
        expect(await allItems(second.address)).toEqual(items);
      } finally {
        await stopProcesses([second.child]);
      }
    },
    fuzzTimeoutMs(180_000, SPEC_REQUESTS),
  );
});
