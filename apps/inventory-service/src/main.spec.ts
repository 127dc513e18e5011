import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHealthClient, listHealth } from '@distlab/grpc-kit';
import { bufCurl, startServerProcess, WORKSPACE_ROOT } from '@distlab/testing';

// The inventory-service process starts on a fresh data directory, answers health SERVING for InventoryService with
// reflection on, and exits 0 on SIGTERM.
it('serves InventoryService with health and reflection, and stops cleanly on SIGTERM', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'distlab-inventory-main-'));
  const server = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'inventory-service', 'src', 'main.ts'), [
    '--data-dir',
    dataDir,
  ]);
  const health = createHealthClient(server.address);
  try {
    expect(await listHealth(health)).toEqual({ '': 'SERVING', 'distlab.inventory.v1.InventoryService': 'SERVING' });
    const services = (await bufCurl(['--list-services', `http://${server.address}`])).stdout;
    expect(services).toContain('distlab.inventory.v1.InventoryService');
    expect(services).toContain('grpc.health.v1.Health');
  } finally {
    health.close();
    server.process.child.kill('SIGTERM');
  }
  expect(await server.process.exited()).toBe(0);
});
