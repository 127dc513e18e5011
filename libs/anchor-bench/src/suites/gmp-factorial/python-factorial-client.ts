// The Python half of the GMP rows: stubs generated from proto/ into a temporary directory with Debian's protoc and
// gRPC plugin (as examples/python-client does), and factorial-bench.py, which times gmpy2 in-process or a
// ComputeStream call through the balancer and checks every digit of the latter against gmpy2's.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WORKSPACE_ROOT } from '@distlab/testing';
import { DEBIAN_PYTHON } from '../../requirements';
import { median } from '../../rounds';

const run = promisify(execFile);
const SCRIPT = join(__dirname, 'factorial-bench.py');
const GENERATE = join(WORKSPACE_ROOT, 'examples', 'python-client', 'generate.sh');
/** Far above any figure here (about a second for 10⁶!), so only a hung process trips it. */
const SCRIPT_TIMEOUT_MS = 300_000;

/** Stubs in a temporary directory; `remove()` deletes it. */
export interface PythonStubs {
  readonly directory: string;
  remove(): void;
}

/** Generates Python stubs for every contract in proto/ into a fresh temporary directory. */
export async function generatePythonStubs(): Promise<PythonStubs> {
  const directory = mkdtempSync(join(tmpdir(), 'distlab-gmp-bench-'));
  try {
    await run('sh', [GENERATE, directory]);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

/** Which side to time: GMP through gmpy2, or distlab's ComputeStream through the balancer at `balancerAddress`. */
export type FactorialSide = { kind: 'gmp' } | { kind: 'distlab'; balancerAddress: string; stubs: PythonStubs };

/**
 * Times n! to decimal `repeat` times in one Python process and returns the median in milliseconds. A wrong digit from
 * distlab makes the script exit non-zero, which rejects here with its message: the bench fails loudly.
 */
export async function timeFactorial(side: FactorialSide, n: number, repeat: number): Promise<number> {
  const args = [SCRIPT, side.kind, '--n', String(n), '--repeat', String(repeat)];
  if (side.kind === 'distlab') args.push('--balancer', side.balancerAddress);
  const env = side.kind === 'distlab' ? { ...process.env, PYTHONPATH: side.stubs.directory } : process.env;
  let stdout: string;
  try {
    ({ stdout } = await run(DEBIAN_PYTHON, args, { env, timeout: SCRIPT_TIMEOUT_MS, maxBuffer: 1 << 20 }));
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`factorial-bench.py ${side.kind} ${n} failed: ${stderr || (error as Error).message}`);
  }
  return median((JSON.parse(stdout) as { seconds: number[] }).seconds) * 1000;
}
