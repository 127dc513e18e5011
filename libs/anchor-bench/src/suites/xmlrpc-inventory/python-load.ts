// The two Python processes of the inventory rows: the lab's XML-RPC inventory (the anchor) and the load client that
// drives either system. Besides calls per second, each run says what a call cost in CPU on each side: the client
// reports its own process's CPU, and the server's is read from /proc before and after the run. That is what tells
// which process bounds a row (see docs/benchmarks.md).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT } from '@distlab/testing';
import { DEBIAN_PYTHON } from '../../requirements';

const HERE = join(WORKSPACE_ROOT, 'libs', 'anchor-bench', 'src', 'suites', 'xmlrpc-inventory');
const ANCHOR_SERVER = join(HERE, 'xmlrpc_inventory_server.py');
const LOAD_CLIENT = join(HERE, 'load_client.py');
/** How long a client may take beyond its load duration (Python start-up, imports, connecting) before it is killed. */
const CLIENT_OVERHEAD_MS_MAX = 30_000;
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in ticks of 10 ms. */
const PROC_STAT_TICK_MS = 10;

/** Which server the load client drives: the anchor, distlab's inventory, or the echo floor. */
export type System = 'xmlrpc' | 'grpc' | 'grpc-echo';

/**
 * How the load client runs its callers: `threads`, one blocking caller per thread (xmlrpc.client; grpcio's sync
 * stubs), or `asyncio`, one task per caller on one event loop awaiting grpc.aio stubs (gRPC only).
 */
export type PythonClient = 'threads' | 'asyncio';

/** One run of the load client. */
export interface LoadRun {
  opsPerSecond: number;
  /** The client process's CPU (every thread, user and system) per call, in microseconds. */
  clientCpuUsPerCall: number;
  /** The server process's CPU per call over the same run, in microseconds; undefined where /proc cannot be read. */
  serverCpuUsPerCall: number | undefined;
}

/** What the load client prints. */
interface LoadClientOutput {
  opsPerSecond: number;
  calls: number;
  errors: number;
  firstError: string | null;
  cpuSeconds: number;
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

/**
 * The CPU time of every thread of `pid`, those that have ended included, in milliseconds; undefined without /proc.
 * (Not /proc/<pid>/schedstat, which counts the main thread only: the XML-RPC server works in a thread per connection.)
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name, which may hold spaces and ends with ") ": utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * PROC_STAT_TICK_MS;
  } catch {
    return undefined;
  }
}

/** Runs the Python load client once against `server`; throws when any call failed or answered wrongly. */
export async function runLoadClient(options: {
  system: System;
  client: PythonClient;
  address: string;
  /** Calls in flight: threads, or asyncio tasks. */
  callers: number;
  durationMs: number;
  /** Where the generated Python stubs are (PYTHONPATH); unused for XML-RPC. */
  stubs: string;
  /** The server's process id, to read its CPU time. */
  serverPid?: number;
}): Promise<LoadRun> {
  const { system, client, address, callers, durationMs, stubs, serverPid } = options;
  const args = [LOAD_CLIENT, '--system', system, '--client', client, '--address', address];
  args.push('--callers', String(callers), '--duration-ms', String(durationMs));
  // The server's CPU is read around the whole client process: its start-up and warm-up calls count too, a few
  // milliseconds against the seconds of load, which only errs against distlab and the anchor alike.
  const serverCpuBefore = processCpuMs(serverPid);
  const { stdout } = await promisify(execFile)(DEBIAN_PYTHON, args, {
    env: { ...process.env, PYTHONPATH: stubs },
    timeout: durationMs + CLIENT_OVERHEAD_MS_MAX,
  });
  const serverCpuAfter = processCpuMs(serverPid);
  const output = JSON.parse(stdout) as LoadClientOutput;
  // A side that answered wrongly or failed must not count as fast: the row stops the run instead.
  if (output.errors > 0) throw new Error(`${system} load had ${output.errors} errors, first: ${output.firstError}`);
  const calls = Math.max(output.calls, 1);
  return {
    opsPerSecond: output.opsPerSecond,
    clientCpuUsPerCall: (output.cpuSeconds * 1e6) / calls,
    serverCpuUsPerCall:
      serverCpuBefore === undefined || serverCpuAfter === undefined
        ? undefined
        : ((serverCpuAfter - serverCpuBefore) * 1000) / calls,
  };
}
