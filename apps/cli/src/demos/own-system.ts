import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor } from '../up/supervisor';
import { planSystem, startSystem } from '../up/system';

/** How many of the system's own log lines are kept, to show when it fails to start. */
const KEPT_LOG_LINES = 200;
const PROBE_TIMEOUT_MS = 1_000;

/**
 * Whether anything accepts connections at `host:port`. A demo asks before it starts a system of its own: a refused
 * connection means nothing runs there; anything that listens is left to answer (or to fail with its own status: a
 * `--secure` system without the CLI's TLS settings, another program).
 */
export function isListening(address: string): Promise<boolean> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface OwnSystemOptions {
  peers: number;
  workers: number;
  basePort: number;
}

/**
 * The system a demo starts for itself when none is running: `distlab up`'s processes on the same ports, quiet (their
 * log lines are kept and shown only if the start fails), their files in a fresh temporary directory (the user's
 * `.distlab` belongs to their own `npm start`), stopped when the demo ends, also on Ctrl-C. The event logs stay in the
 * directory afterwards, for `distlab trace --events-dir`; the inventory's database and the peers' state go. The
 * supervisor restarts a peer that dies, as under `distlab up`: the Bully demo's kill -9 ends where it began.
 */
export class OwnSystem {
  private readonly logLines: string[] = [];
  private readonly supervisor = new Supervisor(
    (line) => this.keep(line),
    (name, code, signal) => this.keep(`${name.padEnd(10)}│ exited (${signal ?? code})`),
  );
  private readonly onSignal = () => void this.stop().then(() => process.exit(130));

  private constructor(readonly dir: string) {}

  get eventsDir(): string {
    return join(this.dir, 'events');
  }

  static async start(options: OwnSystemOptions): Promise<OwnSystem> {
    const system = new OwnSystem(mkdtempSync(join(tmpdir(), 'distlab-demo-')));
    process.on('SIGINT', system.onSignal);
    process.on('SIGTERM', system.onSignal);
    const plan = planSystem({
      ...options,
      dataDir: join(system.dir, 'inventory'),
      eventsDir: system.eventsDir,
      stateDir: join(system.dir, 'state'),
    });
    try {
      await startSystem(system.supervisor, plan);
    } catch (error) {
      await system.stop();
      const lines = system.logLines.filter((line) => !/ (INFO|DEBUG) /.test(line)).slice(-20);
      throw new Error(`the demo's own system did not start: ${(error as Error).message}\n${lines.join('\n')}`);
    }
    return system;
  }

  /** How many processes run, as `distlab up` would count them. */
  get size(): number {
    return this.supervisor.processes.length;
  }

  async stop(): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    await this.supervisor.stopAll();
    for (const part of ['inventory', 'state']) rmSync(join(this.dir, part), { recursive: true, force: true });
  }

  private keep(line: string): void {
    this.logLines.push(line);
    if (this.logLines.length > KEPT_LOG_LINES) this.logLines.shift();
  }
}
