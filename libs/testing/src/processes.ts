import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The environment that makes a distlab server watch its stdin (runServerProcess): when the test process that started
 * it dies, however abruptly, the pipe closes and the server shuts down instead of living on as an orphan.
 */
export const SUPERVISED_ENV = { DISTLAB_SUPERVISED: '1' } as const;

/** The repository root, where `node_modules` and every project live. */
export const WORKSPACE_ROOT = join(__dirname, '..', '..', '..');

/**
 * Spawns a TypeScript entry point as a real Node process, resolving workspace libraries to their sources (as
 * `nx serve` does), and collects its output.
 */
export function spawnTypeScript(
  entry: string,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): SpawnedProcess {
  const child = spawn(process.execPath, ['--conditions=@distlab/source', '--import', 'tsx', entry, ...args], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new SpawnedProcess(child);
}

/** The `distlab` command as users run it: bin/distlab.js, the CLI's compiled bundle (rebuilt first when a source changed). */
export const DISTLAB_BIN = join(WORKSPACE_ROOT, 'apps', 'cli', 'bin', 'distlab.js');

/** Runs `distlab` as users do (DISTLAB_BIN), not its sources through tsx: what a student types is what is tested. */
export function spawnDistlab(args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): SpawnedProcess {
  const child = spawn(process.execPath, [DISTLAB_BIN, ...args], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new SpawnedProcess(child);
}

export class SpawnedProcess {
  readonly lines: string[] = [];
  stderr = '';
  private readonly waiters: Array<{ match: (line: string) => boolean; resolve: (line: string) => void }> = [];
  private readonly listeners: Array<(line: string) => void> = [];

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const listener of this.listeners) listener(line);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(line)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  /** Calls `listener` with every stdout line from now on. */
  onLine(listener: (line: string) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves with the first stdout line (past or future) that matches, or rejects after `timeoutMs`. */
  waitForLine(match: (line: string) => boolean, timeoutMs = 20_000): Promise<string> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching line within ${timeoutMs} ms; stderr: ${this.stderr}`)),
        timeoutMs,
      );
      this.waiters.push({ match, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  }

  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  async exited(): Promise<number | string> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    if (this.child.signalCode !== null) return this.child.signalCode;
    const [code, signal] = (await once(this.child, 'exit')) as [number | null, string | null];
    return code ?? signal ?? -1;
  }

  /** Kills the process (SIGKILL) if it still runs; for test cleanup. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited();
    }
  }
}

/** A server process started by `startServerProcess`, with the address it reported. */
export interface ServerProcessHandle {
  process: SpawnedProcess;
  address: string;
}

/**
 * Starts an app's server entry point as a real process on a free port (`--port 0`) and waits until it logs that it
 * is serving; returns the address it reported.
 */
export async function startServerProcess(entry: string, args: readonly string[] = []): Promise<ServerProcessHandle> {
  const spawned = spawnTypeScript(entry, ['--port', '0', ...args], SUPERVISED_ENV);
  try {
    const line = await spawned.waitForLine((candidate) => candidate.includes('"msg":"serving"'));
    return { process: spawned, address: (JSON.parse(line) as { address: string }).address };
  } catch (error) {
    await spawned.stop();
    throw error;
  }
}

/**
 * Starts one peer process (`apps/peer`) with the given id, keeping its event log and state in a directory of its own:
 * the workspace's `.distlab` belongs to the user's `npm start`, and a test must not append to it.
 */
export async function startPeerProcess(id: number, args: readonly string[] = []): Promise<ServerProcessHandle> {
  const dir = mkdtempSync(join(tmpdir(), `distlab-peer-${id}-`));
  return startServerProcess(join(WORKSPACE_ROOT, 'apps', 'peer', 'src', 'main.ts'), [
    ...['--id', String(id), '--events-dir', join(dir, 'events'), '--state-dir', join(dir, 'state')],
    ...args,
  ]);
}
