import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startQuietServerProcess, stopProcesses, WORKSPACE_ROOT } from '@distlab/testing';
import { DEBIAN_PYTHON, missingRequirement } from '../../requirements';
import { runLoadClient } from './python-load';

// The distlab side of the inventory rows: the load client drives the real inventory through generated stubs with
// each of its two Python clients (grpcio's sync stubs on threads, grpc.aio tasks), every answer checked, and says
// what a call cost in CPU on each side. No figure beyond "some calls were made" is asserted: this is not a benchmark.

const missing = missingRequirement([
  { kind: 'binary', path: '/usr/bin/protoc', debianPackage: 'protobuf-compiler' },
  { kind: 'binary', path: '/usr/bin/grpc_python_plugin', debianPackage: 'protobuf-compiler-grpc' },
  { kind: 'python-module', python: DEBIAN_PYTHON, module: 'grpc', debianPackage: 'python3-grpcio' },
]);
if (missing !== undefined) console.warn(`Python gRPC load client test skipped: ${missing}`);

(missing === undefined ? describe : describe.skip)("the load client against distlab's inventory", () => {
  const stubs = mkdtempSync(join(tmpdir(), 'distlab-load-stubs-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'distlab-load-inventory-'));
  let inventory: { address: string; child: ChildProcess } | undefined;
  beforeAll(async () => {
    execFileSync('sh', [join(WORKSPACE_ROOT, 'examples', 'python-client', 'generate.sh'), stubs]);
    inventory = await startQuietServerProcess('inventory-service', ['--data-dir', dataDir]);
  }, 60_000);
  afterAll(async () => {
    if (inventory !== undefined) await stopProcesses([inventory.child]);
    for (const dir of [stubs, dataDir]) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['threads', 'asyncio'] as const)(
    'adds and gets through the %s client with several callers, every answer checked',
    async (client) => {
      const run = await runLoadClient({
        system: 'grpc',
        client,
        address: inventory!.address,
        callers: 3,
        durationMs: 300,
        stubs,
        serverPid: inventory!.child.pid,
      });
      expect(run.opsPerSecond).toBeGreaterThan(0);
      expect(run.clientCpuUsPerCall).toBeGreaterThan(0);
      expect(run.serverCpuUsPerCall).toBeGreaterThanOrEqual(0);
    },
    60_000,
  );

  it('refuses an address where nothing answers, instead of counting failed calls as fast', async () => {
    await expect(
      runLoadClient({ system: 'grpc', client: 'asyncio', address: '127.0.0.1:1', callers: 1, durationMs: 100, stubs }),
    ).rejects.toThrow();
  }, 60_000);
});
