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

it('registers itself with a registry given --registry, and deregisters on SIGTERM', async () => {
  const registry = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts'));
  const lookup = async () =>
    JSON.parse(
      (
        await bufCurl([
          '-d',
          '{"name":"distlab.inventory.v1.InventoryService"}',
          `http://${registry.address}/distlab.registry.v1.RegistryService/Lookup`,
        ])
      ).stdout,
    ).registrations ?? [];
  const dataDir = mkdtempSync(join(tmpdir(), 'distlab-inventory-registered-'));
  const service = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'inventory-service', 'src', 'main.ts'), [
    '--data-dir',
    dataDir,
    '--registry',
    registry.address,
  ]);
  try {
    await service.process.waitForLine((line) => line.includes('"msg":"registered"'));
    expect(await lookup()).toEqual([
      expect.objectContaining({ address: service.address, metadata: { engine: 'sqlite', pid: expect.any(String) } }),
    ]);
    service.process.child.kill('SIGTERM');
    expect(await service.process.exited()).toBe(0);
    expect(await lookup()).toEqual([]);
  } finally {
    await service.process.stop();
    registry.process.child.kill('SIGTERM');
    await registry.process.exited();
  }
});
