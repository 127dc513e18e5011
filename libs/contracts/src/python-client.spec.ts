import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, WORKSPACE_ROOT, type ServerProcessHandle } from '@distlab/testing';

// A client in another language, generated from proto/ alone: examples/python-client's generate.sh makes Python stubs
// with Debian's protoc and gRPC plugin, and its client.py calls a live system (the balancer with a registered
// factorial worker, and the inventory, as real processes): the registry lists the worker, n! comes back right through
// the balancer (unary and streamed), the inventory round-trips an item, and refusals arrive as their gRPC codes.

const EXAMPLE = join(WORKSPACE_ROOT, 'examples', 'python-client');
const PYTHON = '/usr/bin/python3';

/** Why the Python client cannot run here, or undefined when it can. */
function missingTools(): string | undefined {
  const which = (name: string) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
  if (!which('protoc')) return 'protoc is missing (Debian: apt-get install protobuf-compiler)';
  if (!which('grpc_python_plugin')) return 'grpc_python_plugin is missing (Debian: protobuf-compiler-grpc)';
  if (!existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf']).status !== 0)
    return `${PYTHON} cannot import grpc and google.protobuf (Debian: python3-grpcio python3-protobuf)`;
  return undefined;
}

const missing = missingTools();
const describeIfTools = missing === undefined ? describe : describe.skip;
if (missing !== undefined) console.warn(`Python client test skipped: ${missing}`);

describeIfTools('a Python client generated from proto/', () => {
  const processes: ServerProcessHandle[] = [];
  let stubs: string;
  let dataDir: string;

  beforeAll(async () => {
    stubs = mkdtempSync(join(tmpdir(), 'distlab-python-stubs-'));
    dataDir = mkdtempSync(join(tmpdir(), 'distlab-python-inventory-'));
    execFileSync('sh', [join(EXAMPLE, 'generate.sh'), stubs], { stdio: 'pipe' });
    const balancer = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts'));
    processes.push(balancer);
    processes.push(
      await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'factorial-worker', 'src', 'main.ts'), [
        '--registry',
        balancer.address,
      ]),
    );
    processes.push(
      await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'inventory-service', 'src', 'main.ts'), [
        '--data-dir',
        dataDir,
      ]),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map((handle) => handle.process.stop()));
    for (const dir of [stubs, dataDir]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('calls the registry, the factorial service through the balancer, and the inventory', async () => {
    const [balancer, , inventory] = processes;
    // The worker registers right after it serves: the client asks once the registry lists it.
    let result: ReturnType<typeof spawnSync> | undefined;
    let seen: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 50; attempt += 1) {
      result = spawnSync(
        PYTHON,
        [join(EXAMPLE, 'client.py'), '--balancer', balancer.address, '--inventory', inventory.address],
        { env: { ...process.env, PYTHONPATH: stubs }, encoding: 'utf8', timeout: 60_000 },
      );
      seen = result.status === 0 ? (JSON.parse(String(result.stdout)) as Record<string, unknown>) : {};
      if (Array.isArray(seen['factorial_workers']) && seen['factorial_workers'].length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect({ status: result?.status, stderr: String(result?.stderr ?? '') }).toEqual({ status: 0, stderr: '' });
    expect(seen).toEqual({
      factorial_workers: [processes[1].address],
      compute_matches: true,
      stream_matches: true,
      negative_n: 'INVALID_ARGUMENT',
      inventory_round_trip: true,
      missing_item: 'NOT_FOUND',
    });
  }, 120_000);
});
