import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitedBeforeServingError, freePort, waitForChildServing } from './ports';
import { SUPERVISED_ENV, WORKSPACE_ROOT } from './processes';

/** Starts of a whole cluster before a peer that exits before serving fails it (see PeerCluster.start). */
const START_ATTEMPTS = 3;

export interface PeerClusterOptions {
  size: number;
  /** Extra flags for one peer (e.g. its clock skew). */
  argsFor?: (id: number) => string[];
  /** Where event logs and state go; a fresh temporary directory by default. */
  dir?: string;
  /** When set, peers get `--registry <this>` instead of `--peers`: they register and discover each other there. */
  registry?: string;
}

/**
 * A cluster of real peer processes (apps/peer), ids 1..size, each knowing every other through `--peers`, with event
 * logs in `<dir>/events` and state in `<dir>/state`, at --log-level warn. Peers can be killed with SIGKILL and
 * restarted (a new incarnation); `stop` ends them all with SIGTERM.
 */
export class PeerCluster {
  readonly addresses = new Map<number, string>();
  private readonly children = new Map<number, ChildProcess>();

  private constructor(
    readonly dir: string,
    /** Whether `dir` was made for this cluster (and removeFiles may remove it), not given by the caller. */
    private readonly ownsDir: boolean,
    private readonly argsFor: (id: number) => string[],
    private readonly registry: string | undefined,
  ) {}

  static async start(options: PeerClusterOptions): Promise<PeerCluster> {
    const cluster = new PeerCluster(
      options.dir ?? mkdtempSync(join(tmpdir(), 'distlab-cluster-')),
      options.dir === undefined,
      options.argsFor ?? (() => []),
      options.registry,
    );
    // A port free a moment ago can be taken by another process before the peer binds it (tests run side by side): a
    // peer that fails to start (exit 1) makes the whole cluster start again on new ports, from empty state, a few times.
    // A usage error (exit 2) fails at once: starting again would only fail again, three times as slowly.
    for (let attempt = 1; ; attempt += 1) {
      for (let id = 1; id <= options.size; id += 1) cluster.addresses.set(id, `127.0.0.1:${await freePort()}`);
      try {
        await Promise.all([...cluster.addresses.keys()].map((id) => cluster.startPeer(id)));
        return cluster;
      } catch (error) {
        await cluster.stop();
        if (attempt >= START_ATTEMPTS || !(error instanceof ExitedBeforeServingError) || !error.mayPassOnRetry)
          throw error;
        for (const part of ['events', 'state']) rmSync(join(cluster.dir, part), { recursive: true, force: true });
      }
    }
  }

  get eventsDir(): string {
    return join(this.dir, 'events');
  }

  get ids(): number[] {
    return [...this.addresses.keys()];
  }

  isRunning(id: number): boolean {
    const child = this.children.get(id);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts a new peer `id` on a free port (with a registry, the others discover it; otherwise none knows it). */
  async join(id: number): Promise<void> {
    if (this.addresses.has(id)) throw new Error(`peer ${id} is already in the cluster`);
    this.addresses.set(id, `127.0.0.1:${await freePort()}`);
    await this.startPeer(id);
  }

  /** Starts (or restarts) peer `id` and waits until it serves. */
  async startPeer(id: number): Promise<void> {
    const address = this.addresses.get(id)!;
    const peers = [...this.addresses].filter(([other]) => other !== id).map(([other, at]) => `${other}=${at}`);
    const entry = join(WORKSPACE_ROOT, 'apps', 'peer', 'src', 'main.ts');
    const args = [
      ...['--conditions=@distlab/source', '--import', 'tsx', entry],
      ...['--id', String(id), '--port', address.split(':')[1], '--log-level', 'warn'],
      ...(this.registry === undefined ? ['--peers', peers.join(',')] : ['--registry', this.registry]),
      ...['--events-dir', this.eventsDir, '--state-dir', join(this.dir, 'state')],
      ...this.argsFor(id),
    ];
    // Its stdin is a pipe from here, watched (SUPERVISED_ENV): it stops if this process dies without stopping it.
    const child = spawn(process.execPath, args, {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, ...SUPERVISED_ENV },
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    this.children.set(id, child);
    await waitForChildServing(child, `peer ${id}`, address);
  }

  /** The process ids of the peers running now. */
  get pids(): number[] {
    return [...this.children.entries()].filter(([id]) => this.isRunning(id)).map(([, child]) => child.pid!);
  }

  /** kill -9: the peer dies at once, with whatever it held. */
  async kill(id: number): Promise<void> {
    const child = this.children.get(id);
    if (child === undefined || !this.isRunning(id)) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }

  async stop(): Promise<void> {
    const running = [...this.children.values()].filter((child) => child.exitCode === null && child.signalCode === null);
    for (const child of running) child.kill('SIGTERM');
    await Promise.all(running.map((child) => once(child, 'exit')));
  }

  /**
   * Removes the peers' files (event logs, state) once the cluster is stopped, if the cluster made their directory
   * (one given in the options is the caller's to remove). Tests need not: their run's temporary directory goes when
   * Jest ends (tools/jest-temp-dir); a benchmark calls it.
   */
  removeFiles(): void {
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
