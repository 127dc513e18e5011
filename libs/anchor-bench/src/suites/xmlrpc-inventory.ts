// The lab's XML-RPC inventory (a threaded Python server over a dict, nothing on disk) beside distlab's inventory
// (durable: its default SQLite in a temporary data directory), both driven by a Python load client
// (xmlrpc-inventory/load_client.py) with 1, 4 and 16 calls in flight, each caller alternating add and get of the item
// it just added on a connection of its own, every answer checked. distlab's side is reached through stubs generated
// from proto/ at run time, as a Python user would make them (examples/python-client/generate.sh), in two ways, each
// its own row against the same XML-RPC figures:
// - "threads": N threads making blocking calls through grpcio's sync stubs, as the XML-RPC side does with
//   xmlrpc.client (the standard library has no asynchronous XML-RPC client, so the anchor always runs threads);
// - "asyncio": N tasks on one asyncio event loop awaiting the same stubs on a grpc.aio channel: N calls in flight
//   without a thread per call.
// Each round measures the three in a rotating order. Each row's detail gives the CPU per call of the client and the
// server processes (which of them bounds the row), and the floor of distlab's side with that client, measured in the
// same run: the same client calling a peer's GreeterService.SayHello (the same gRPC server stack, no storage), which
// bounds what any inventory change can reach with that client on this machine.

import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startQuietServerProcess, stopProcesses, WORKSPACE_ROOT } from '@distlab/testing';
import type { AnchorRow, AnchorSuite, SuiteOptions } from '../anchor-row';
import { DEBIAN_PYTHON } from '../requirements';
import { describeRounds, formatRate, formatRatio, median } from '../rounds';
import {
  runLoadClient,
  startXmlRpcInventory,
  type LoadRun,
  type PythonClient,
  type System,
} from './xmlrpc-inventory/python-load';

const GENERATE_STUBS = join(WORKSPACE_ROOT, 'examples', 'python-client', 'generate.sh');
const CALLERS = [1, 4, 16] as const;
const DISTLAB_CLIENTS: readonly PythonClient[] = ['threads', 'asyncio'];
const ANCHOR_NAME = "the lab's XML-RPC inventory (Python SimpleXMLRPCServer + ThreadingMixIn, a dict)";

const work = (callers: number, client: PythonClient) =>
  client === 'threads'
    ? `inventory add/get alternating, Python client, ${callers} thread${callers > 1 ? 's' : ''}`
    : `inventory add/get alternating, Python client, ${callers} in flight, distlab via grpc.aio tasks`;
const goalOf = (callers: number) => (callers === 1 ? 1 : 2);
const goal = (callers: number) => `≥ ${goalOf(callers).toFixed(1)}× XML-RPC, still durable`;

/** The sides a round measures: the anchor, and distlab through each Python client. */
type Side = 'anchor' | PythonClient;
const SIDES: readonly Side[] = ['anchor', ...DISTLAB_CLIENTS];

/** Every round's run of each side. */
type SideRuns = Record<Side, LoadRun[]>;

/** Measures each side `rounds` times, rotating which goes first, so that a machine's swings move every side alike. */
async function rotateRounds(rounds: number, measure: (side: Side) => Promise<LoadRun>): Promise<SideRuns> {
  const runs: SideRuns = { anchor: [], threads: [], asyncio: [] };
  for (let round = 0; round < rounds; round += 1) {
    for (let turn = 0; turn < SIDES.length; turn += 1) {
      const side = SIDES[(round + turn) % SIDES.length];
      runs[side].push(await measure(side));
    }
  }
  return runs;
}

const opsOf = (runs: readonly LoadRun[]) => runs.map((run) => run.opsPerSecond);

/** "134 + 121 µs": the medians of client and server CPU per call (the server's "?" where /proc cannot be read). */
function describeCpu(runs: readonly LoadRun[]): string {
  const client = median(runs.map((run) => run.clientCpuUsPerCall)).toFixed(0);
  const servers = runs.flatMap((run) => (run.serverCpuUsPerCall === undefined ? [] : [run.serverCpuUsPerCall]));
  return `${client} + ${servers.length === 0 ? '?' : median(servers).toFixed(0)} µs`;
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
    const servers: Record<System, { address: string; child: ChildProcess }> = {
      xmlrpc: anchor,
      grpc: distlab,
      'grpc-echo': echo,
    };
    const load = (system: System, client: PythonClient, callers: number, durationMs = options.durationMs) =>
      runLoadClient({
        system,
        client,
        address: servers[system].address,
        callers,
        durationMs,
        stubs,
        serverPid: servers[system].child.pid,
      });
    // Warm-up (JIT, connections, the database's first pages), not measured.
    await load('xmlrpc', 'threads', 4, 500);
    for (const client of DISTLAB_CLIENTS) {
      await load('grpc', client, 4, 500);
      await load('grpc-echo', client, 4, 500);
    }

    const rows: AnchorRow[] = [];
    for (const callers of CALLERS) {
      const runs = await rotateRounds(options.rounds, (side) =>
        side === 'anchor' ? load('xmlrpc', 'threads', callers) : load('grpc', side, callers),
      );
      const anchorOps = median(opsOf(runs.anchor));
      for (const client of DISTLAB_CLIENTS) {
        const distlabOps = median(opsOf(runs[client]));
        const floor = await load('grpc-echo', client, callers);
        const detail =
          `${describeRounds({ anchor: opsOf(runs.anchor), distlab: opsOf(runs[client]) })}; ` +
          `CPU per call, client + server: XML-RPC ${describeCpu(runs.anchor)}, distlab ${describeCpu(runs[client])}; ` +
          `floor (same client, peer's SayHello, no storage): ${formatRate(floor.opsPerSecond, 'ops/s')} = ` +
          `${formatRatio(floor.opsPerSecond / anchorOps)}, ${describeCpu([floor])}`;
        options.log(`xmlrpc: ${callers} in flight, distlab via ${client}: ${detail}`);
        rows.push({
          work: work(callers, client),
          anchor: ANCHOR_NAME,
          anchorFigure: formatRate(anchorOps, 'ops/s'),
          distlabFigure: `${formatRate(distlabOps, 'ops/s')}, durable (SQLite)`,
          ratio: formatRatio(distlabOps / anchorOps),
          goal: goal(callers),
          met: distlabOps / anchorOps >= goalOf(callers),
          detail,
        });
      }
    }
    return rows;
  } finally {
    await stopProcesses(children);
    for (const dir of [stubs, dataDir]) rmSync(dir, { recursive: true, force: true });
  }
}

/** The inventory rows of issue 24: the lab's XML-RPC inventory against distlab's durable one, per Python client. */
export const xmlrpcInventorySuite: AnchorSuite = {
  name: 'xmlrpc',
  rows: CALLERS.flatMap((callers) =>
    DISTLAB_CLIENTS.map((client) => ({ work: work(callers, client), anchor: ANCHOR_NAME, goal: goal(callers) })),
  ),
  requirements: [
    { kind: 'binary', path: '/usr/bin/protoc', debianPackage: 'protobuf-compiler' },
    { kind: 'binary', path: '/usr/bin/grpc_python_plugin', debianPackage: 'protobuf-compiler-grpc' },
    { kind: 'python-module', python: DEBIAN_PYTHON, module: 'grpc', debianPackage: 'python3-grpcio' },
    { kind: 'python-module', python: DEBIAN_PYTHON, module: 'google.protobuf', debianPackage: 'python3-protobuf' },
  ],
  run: measure,
};
