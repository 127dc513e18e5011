import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { styleText } from 'node:util';
import { checkHealth, createHealthClient, listHealth, type ClientSettings } from '@distlab/grpc-kit';
import { warmTranspileCache } from './transpile-cache';

/** One process for the supervisor to run: an app's entry point with its arguments. */
export interface ProcessSpec {
  /** Short name used as the log prefix, e.g. "peer-1". */
  name: string;
  /** The app directory under apps/, e.g. "peer". */
  app: string;
  args: string[];
  /** host:port the process will serve on. */
  address: string;
}

export interface RunningProcess {
  spec: ProcessSpec;
  child: ChildProcess;
  services: string[];
}

/**
 * The workspace root, found upwards from this file: it runs from apps/cli/src/up under tsx and from apps/cli/.bundle
 * in the compiled CLI.
 */
function findWorkspaceRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
  }
  throw new Error(`no workspace (a directory with nx.json) above ${from}`);
}

const WORKSPACE_ROOT = findWorkspaceRoot(__dirname);
/** How every process runs: its TypeScript sources through tsx (see transpile-cache.ts). */
export const SUPERVISED_NODE_ARGS = ['--conditions=@distlab/source', '--disable-warning=DEP0123', '--import', 'tsx'];
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const RESTART_DELAY_MS = 1_000;

/**
 * Starts processes as children, prefixes their log lines, waits until each answers health SERVING, and stops them
 * all (SIGTERM, then SIGKILL after a bound). Each child's stdin is a pipe from here, so children also stop when the
 * supervisor dies without a chance to clean up.
 */
export class Supervisor {
  private readonly running: RunningProcess[] = [];
  private stopping = false;

  constructor(
    private readonly print: (line: string) => void,
    private readonly onUnexpectedExit: (name: string, code: number | null, signal: string | null) => void,
    /** How to reach the children's health service: TLS under `distlab up --secure`. */
    private readonly health: ClientSettings = {},
    /** Colour each process's prefix and the levels (`distlab up` on a terminal). */
    private readonly colour = false,
  ) {}

  /** The prefix of a process's lines: its name in a column, in its own colour on a terminal. */
  prefix(name: string): string {
    const column = `${name.padEnd(10)}│ `;
    if (!this.colour) return column;
    const palette = ['cyan', 'magenta', 'blue', 'green', 'yellow'] as const;
    const index = [...name].reduce((sum, character) => sum + character.charCodeAt(0), 0) % palette.length;
    return styleText(palette[index], column, { validateStream: false });
  }

  /** Transpiles the apps' sources once, before their processes start, when they changed (see transpile-cache.ts). */
  prepare(specs: readonly ProcessSpec[]): Promise<boolean> {
    return warmTranspileCache(WORKSPACE_ROOT, SUPERVISED_NODE_ARGS, specs, childEnvironment());
  }

  async start(spec: ProcessSpec): Promise<RunningProcess> {
    const running: RunningProcess = { spec, child: this.spawn(spec), services: [] };
    this.running.push(running);
    try {
      running.services = await waitUntilServing(spec.address, running.child, this.health);
    } catch (error) {
      throw new Error(`${spec.name} ${(error as Error).message}`);
    }
    this.superviseExit(running);
    return running;
  }

  /**
   * A process that dies unexpectedly after it served is started again after a pause, as a supervisor should: kill -9 a
   * peer and it comes back as a new incarnation (the Bully demo relies on it to end where it began).
   */
  private superviseExit(running: RunningProcess): void {
    running.child.once('exit', () => {
      if (this.stopping) return;
      setTimeout(() => {
        if (this.stopping) return;
        this.print(`${this.prefix(running.spec.name)}restarting after an unexpected exit`);
        running.child = this.spawn(running.spec);
        void waitUntilServing(running.spec.address, running.child, this.health).then(
          () => this.superviseExit(running),
          (error: Error) => this.print(`${this.prefix(running.spec.name)}did not restart: ${error.message}`),
        );
      }, RESTART_DELAY_MS).unref();
    });
  }

  private spawn(spec: ProcessSpec): ChildProcess {
    const entry = join(WORKSPACE_ROOT, 'apps', spec.app, 'src', 'main.ts');
    const child = spawn(process.execPath, [...SUPERVISED_NODE_ARGS, entry, ...spec.args], {
      cwd: WORKSPACE_ROOT,
      env: { ...childEnvironment(), DISTLAB_SUPERVISED: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const prefix = this.prefix(spec.name);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.print(prefix + formatLogLine(line, this.colour)));
    }
    child.on('exit', (code, signal) => {
      if (!this.stopping) this.onUnexpectedExit(spec.name, code, signal);
    });
    return child;
  }

  get processes(): readonly RunningProcess[] {
    return this.running;
  }

  /**
   * Sends `signal` to the running process named `name` (the live view's kill -9 and restart): whatever way it exits,
   * the supervisor starts it again, as after any unexpected exit. Returns false when no such process runs now.
   */
  signal(name: string, signal: 'SIGKILL' | 'SIGTERM'): boolean {
    const running = this.running.find((candidate) => candidate.spec.name === name);
    const child = running?.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return false;
    return child.kill(signal);
  }

  /**
   * SIGTERM to every child, then SIGKILL to any still running after the bound. The first process started (the
   * registry the others register with) stops last, so that the others can deregister on their way out.
   */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const [first, ...rest] = this.running;
    await stopGroup(rest.map((running) => running.child));
    if (first !== undefined) await stopGroup([first.child]);
  }
}

async function stopGroup(children: ChildProcess[]): Promise<void> {
  const alive = children.filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of alive) child.kill('SIGTERM');
  const timer = setTimeout(() => alive.forEach((child) => child.kill('SIGKILL')), STOP_TIMEOUT_MS);
  await Promise.all(
    alive.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : null)),
  );
  clearTimeout(timer);
}

/** Polls health until the process answers SERVING; returns the services it hosts. */
async function waitUntilServing(address: string, child: ChildProcess, settings: ClientSettings): Promise<string[]> {
  const client = createHealthClient(address, { ...settings, deadlineMs: 1000, maxAttempts: 1 });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`exited before serving (${child.exitCode ?? child.signalCode})`);
      try {
        if ((await checkHealth(client)) === 'SERVING') {
          return Object.keys(await listHealth(client))
            .filter((service) => service !== '')
            .sort();
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`not SERVING at ${address} within ${READY_TIMEOUT_MS} ms`);
  } finally {
    client.close();
  }
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

const LEVEL_STYLES: Record<string, 'dim' | 'yellow' | 'red'> = {
  TRACE: 'dim',
  DEBUG: 'dim',
  WARN: 'yellow',
  ERROR: 'red',
  FATAL: 'red',
};

/**
 * A pino JSON line as one readable line: time, level, message, then the other fields as key=value (the process's own
 * name, pid and host are in the prefix already). With `colour`, warnings and errors stand out and debug lines recede.
 */
export function formatLogLine(line: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, pid: _pid, name: _name, hostname: _hostname, ...fields } = entry;
  const clock = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const details = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const levelName = LEVELS[level as number] ?? String(level);
  const style = LEVEL_STYLES[levelName];
  const levelText =
    colour && style !== undefined
      ? styleText(style, levelName.padEnd(5), { validateStream: false })
      : levelName.padEnd(5);
  return `${clock} ${levelText} ${String(msg ?? '')} ${details}`.trimEnd();
}

/**
 * This process's environment without the CLI's own TLS and token variables: a user who exported DISTLAB_TLS_CA or
 * DISTLAB_TOKEN for the CLI must not turn the children into TLS clients or token-checking servers by accident. Under
 * `--secure`, the supervisor passes the children their secrets as flags.
 */
function childEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^DISTLAB_(TLS_|TOKEN)/.test(name)));
}
