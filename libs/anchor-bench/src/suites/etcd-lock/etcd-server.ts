// A single-node etcd for the lock rows, as a user would run one: its own data directory (removed afterwards), client
// and peer URLs on free loopback ports, default durability (every write fsynced). Stopped in `stop`, also when the
// suite throws.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@distlab/testing';
import { EtcdLocker } from './etcd-locker';

/** Where Debian's etcd-server package installs the server. */
export const ETCD_BINARY = '/usr/bin/etcd';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** A running etcd: its client address (host:port, for gRPC) and how to stop it. */
export class EtcdServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dataDir: string,
    readonly clientAddress: string,
  ) {}

  static async start(): Promise<EtcdServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'distlab-anchor-etcd-'));
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const clientUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const child = spawn(
      ETCD_BINARY,
      [
        ...['--name', 'default', '--data-dir', join(dataDir, 'data')],
        ...['--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl],
        ...['--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl],
        ...['--initial-cluster', `default=${peerUrl}`, '--log-level', 'error'],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
    const server = new EtcdServer(child, dataDir, `127.0.0.1:${clientPort}`);
    try {
      await server.untilReady(() => stderr);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGTERM, then SIGKILL if it lingers; removes the data directory either way. */
  async stop(): Promise<void> {
    try {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        const exited = once(this.child, 'exit');
        this.child.kill('SIGTERM');
        const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
    } finally {
      rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  /** Waits until a lease can be granted: the member has elected itself and serves writes. */
  private async untilReady(stderr: () => string): Promise<void> {
    const deadline = performance.now() + READY_TIMEOUT_MS;
    const probe = new EtcdLocker(this.clientAddress);
    try {
      for (;;) {
        if (this.child.exitCode !== null) throw new Error(`etcd exited at start: ${stderr().trim()}`);
        try {
          await probe.grantLease(10, 1_000);
          return;
        } catch (error) {
          if (performance.now() > deadline) throw new Error(`etcd not ready within ${READY_TIMEOUT_MS} ms: ${error}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    } finally {
      probe.close();
    }
  }
}
