import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHealth, createHealthClient } from '@distlab/grpc-kit';
import { spawnTypeScript, WORKSPACE_ROOT, type SpawnedProcess } from '@distlab/testing';

// `distlab up` runs the system as real child processes: this proves they come up SERVING, that SIGTERM stops them all
// cleanly, and that killing the supervisor outright does not leave orphans behind.

const CLI = join(WORKSPACE_ROOT, 'apps', 'cli', 'src', 'main.ts');
let supervisor: SpawnedProcess | undefined;

afterEach(async () => {
  await supervisor?.stop();
});

/** A port that was free a moment ago; the peers take the ports just above it. */
async function freeBasePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return Math.min(port, 64_000);
}

async function healthOf(address: string): Promise<string> {
  const client = createHealthClient(address, { deadlineMs: 1000, maxAttempts: 1 });
  try {
    return await checkHealth(client);
  } catch {
    return 'UNREACHABLE';
  } finally {
    client.close();
  }
}

async function eventually(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

async function up(peers: number): Promise<string[]> {
  const base = await freeBasePort();
  const inventoryPort = base + peers + 1;
  const dataDir = mkdtempSync(join(tmpdir(), 'distlab-up-'));
  supervisor = spawnTypeScript(CLI, [
    'up',
    '--peers',
    String(peers),
    '--base-port',
    String(base),
    '--inventory-port',
    String(inventoryPort),
    '--data-dir',
    dataDir,
  ]);
  await supervisor.waitForLine((line) => line === `distlab is up: ${peers + 1} processes`, 60_000);
  return [
    `127.0.0.1:${inventoryPort}`,
    ...Array.from({ length: peers }, (_, index) => `127.0.0.1:${base + index + 1}`),
  ];
}

describe('distlab up', () => {
  it('starts every peer SERVING, prints the table, and on SIGTERM stops them all and exits 0', async () => {
    const addresses = await up(2);
    expect(supervisor!.lines.join('\n')).toContain(`peer-2     ${addresses[2]}`);
    expect(supervisor!.lines.join('\n')).toContain(`inventory  ${addresses[0]}`);
    for (const address of addresses) expect(await healthOf(address)).toBe('SERVING');
    supervisor!.child.kill('SIGTERM');
    expect(await supervisor!.exited()).toBe(0);
    expect(supervisor!.lines).toContain('distlab up: stopped');
    for (const address of addresses) expect(await healthOf(address)).toBe('UNREACHABLE');
  }, 90_000);

  it('leaves no orphans when the supervisor is killed with SIGKILL', async () => {
    const addresses = await up(2);
    supervisor!.child.kill('SIGKILL');
    await supervisor!.exited();
    const allGone = await eventually(
      async () => (await Promise.all(addresses.map(healthOf))).every((state) => state === 'UNREACHABLE'),
      20_000,
    );
    expect(allGone).toBe(true);
  }, 90_000);
});
