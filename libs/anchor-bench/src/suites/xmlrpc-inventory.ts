// The lab's XML-RPC inventory (a threaded Python server over a dict, nothing on disk) beside distlab's inventory
// (durable: its default SQLite in a temporary data directory), both driven by the same Python load client with 1, 4
// and 16 threads alternating add and get, each thread on a connection of its own. distlab's side is reached through
// stubs generated from proto/ at run time, as a Python user would make them (examples/python-client/generate.sh).
// Each row's detail also gives the floor of distlab's side, measured in the same run: the same client calling a
// peer's GreeterService.SayHello (the same gRPC server stack, no storage), which bounds what any inventory change can
// reach with this client on this machine.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { startQuietServerProcess, stopProcesses, WORKSPACE_ROOT } from '@distlab/testing';
import type { AnchorRow, AnchorSuite, SuiteOptions } from '../anchor-row';
import { DEBIAN_PYTHON } from '../requirements';
import { describeRounds, formatRate, formatRatio, median, alternateRounds } from '../rounds';

const HERE = join(WORKSPACE_ROOT, 'libs', 'anchor-bench', 'src', 'suites', 'xmlrpc-inventory');
const ANCHOR_SERVER = join(HERE, 'xmlrpc_inventory_server.py');
const LOAD_CLIENT = join(HERE, 'load_client.py');
const GENERATE_STUBS = join(WORKSPACE_ROOT, 'examples', 'python-client', 'generate.sh');
const THREAD_COUNTS = [1, 4, 16] as const;
/** How long a client may take beyond its load duration (Python start-up, imports, connecting) before it is killed. */
const CLIENT_OVERHEAD_MS_MAX = 30_000;
const ANCHOR_NAME = "the lab's XML-RPC inventory (Python SimpleXMLRPCServer + ThreadingMixIn, a dict)";

const work = (threads: number) =>
  `inventory add/get alternating, Python client, ${threads} thread${threads > 1 ? 's' : ''}`;
const goalOf = (threads: number) => (threads === 1 ? 1 : 2);

/** Which server the load client drives: the anchor, distlab's inventory, or the echo floor. */
type System = 'xmlrpc' | 'grpc' | 'grpc-echo';

/** What one run of the load client prints. */
interface LoadFigures {
  opsPerSecond: number;
  calls: number;
  errors: number;
  firstError: string | null;
}

/** Starts the anchor: it prints its address as its first line, and stops when its stdin (a pipe from here) closes. */
export async function startXmlRpcInventory(): Promise<{ address: string; child: ChildProcess }> {
  const child = spawn(DEBIAN_PYTHON, [ANCHOR_SERVER, '--port', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the XML-RPC inventory exited (${String(code)}) before it served`);
    }),
  ]);
  lines.close();
  return { address: (JSON.parse(first) as { address: string }).address, child };
}

/** Runs the Python load client once and returns its calls per second; throws when any call failed. */
export async function runLoadClient(
  system: System,
  address: string,
  threads: number,
  durationMs: number,
  stubs: string,
): Promise<number> {
  const { stdout } = await promisify(execFile)(
    DEBIAN_PYTHON,
    [
      LOAD_CLIENT,
      '--system',
      system,
      '--address',
      address,
      '--threads',
      String(threads),
      '--duration-ms',
      String(durationMs),
    ],
    { env: { ...process.env, PYTHONPATH: stubs }, timeout: durationMs + CLIENT_OVERHEAD_MS_MAX },
  );
  const figures = JSON.parse(stdout) as LoadFigures;
  // A side that answered wrongly or failed must not count as fast: the row stops the run instead.
  if (figures.errors > 0) throw new Error(`${system} load had ${figures.errors} errors, first: ${figures.firstError}`);
  return figures.opsPerSecond;
}

async function measure(options: SuiteOptions): Promise<AnchorRow[]> {
  const stubs = mkdtempSync(join(tmpdir(), 'distlab-xmlrpc-stubs-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'distlab-xmlrpc-inventory-'));
  const children: ChildProcess[] = [];
  try {
    await promisify(execFile)('sh', [GENERATE_STUBS, stubs]);
    const anchor = await startXmlRpcInventory();
    children.push(anchor.child);
    const distlab = await startQuietServerProcess('inventory-service', ['--data-dir', dataDir]);
    children.push(distlab.child);
    // The peer keeps state and an event log: in the temporary directory too, so that no other peer's files are touched.
    const echo = await startQuietServerProcess('peer', ['--state-dir', dataDir, '--events-dir', dataDir]);
    children.push(echo.child);
    const addresses: Record<System, string> = {
      xmlrpc: anchor.address,
      grpc: distlab.address,
      'grpc-echo': echo.address,
    };
    const load = (system: System, threads: number, durationMs = options.durationMs) =>
      runLoadClient(system, addresses[system], threads, durationMs, stubs);
    // Warm-up (JIT, connections, the database's first pages), not measured.
    await load('xmlrpc', 4, 500);
    await load('grpc', 4, 500);
    await load('grpc-echo', 4, 500);

    const rows: AnchorRow[] = [];
    for (const threads of THREAD_COUNTS) {
      const figures = await alternateRounds(options.rounds, {
        anchor: () => load('xmlrpc', threads),
        distlab: () => load('grpc', threads),
      });
      const ratio = median(figures.distlab) / median(figures.anchor);
      const floor = await load('grpc-echo', threads);
      const detail =
        `${describeRounds(figures)}; floor (same client, peer's SayHello, no storage): ` +
        `${formatRate(floor, 'ops/s')} = ${formatRatio(floor / median(figures.anchor))}`;
      options.log(`xmlrpc: ${threads} thread(s) ${detail}`);
      rows.push({
        work: work(threads),
        anchor: ANCHOR_NAME,
        anchorFigure: formatRate(median(figures.anchor), 'ops/s'),
        distlabFigure: `${formatRate(median(figures.distlab), 'ops/s')}, durable (SQLite)`,
        ratio: formatRatio(ratio),
        goal: `≥ ${goalOf(threads).toFixed(1)}× XML-RPC, still durable`,
        met: ratio >= goalOf(threads),
        detail,
      });
    }
    return rows;
  } finally {
    await stopProcesses(children);
    for (const dir of [stubs, dataDir]) rmSync(dir, { recursive: true, force: true });
  }
}

/** The inventory row of issue 24: the lab's XML-RPC inventory against distlab's durable one. */
export const xmlrpcInventorySuite: AnchorSuite = {
  name: 'xmlrpc',
  rows: THREAD_COUNTS.map((threads) => ({
    work: work(threads),
    anchor: ANCHOR_NAME,
    goal: `≥ ${goalOf(threads).toFixed(1)}× XML-RPC, still durable`,
  })),
  requirements: [
    { kind: 'binary', path: '/usr/bin/protoc', debianPackage: 'protobuf-compiler' },
    { kind: 'binary', path: '/usr/bin/grpc_python_plugin', debianPackage: 'protobuf-compiler-grpc' },
    { kind: 'python-module', python: DEBIAN_PYTHON, module: 'grpc', debianPackage: 'python3-grpcio' },
    { kind: 'python-module', python: DEBIAN_PYTHON, module: 'google.protobuf', debianPackage: 'python3-protobuf' },
  ],
  run: measure,
};
