import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { credentials, makeClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { SUPERVISED_ENV, WORKSPACE_ROOT } from './processes';

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A base port such that base+1 to base+count are all free, below the kernel's ephemeral range (32768 and up) so that
 * client sockets of other processes cannot take one meanwhile: for layouts of fixed offsets (`distlab up`'s).
 */
export async function freePortRange(count: number): Promise<number> {
  const portFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = Array.from({ length: count }, (_, index) => base + 1 + index);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error(`no free range of ${count} ports below 32000`);
}

const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health');

/** Polls grpc.health.v1 until the server answers SERVING, or rejects after `timeoutMs`. */
export async function waitForServing(address: string, timeoutMs = 30_000): Promise<void> {
  const client = new HealthClient(address, credentials.createInsecure()) as unknown as {
    check(
      request: object,
      options: object,
      callback: (error: ServiceError | null, response: { status: string }) => void,
    ): void;
    close(): void;
  };
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const status = await new Promise<string>((resolve) =>
        client.check({ service: '' }, { deadline: Date.now() + 1000 }, (error, response) =>
          resolve(error ? 'DOWN' : response.status),
        ),
      );
      if (status === 'SERVING') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${address} not SERVING within ${timeoutMs} ms`);
  } finally {
    client.close();
  }
}

/**
 * Starts an app's server (`apps/<app>/src/main.ts`) as a process on a free port at --log-level warn, as benchmarks
 * want it (no log line per call), and resolves once it answers health SERVING. Its output goes nowhere but errors.
 */
export async function startQuietServerProcess(
  app: string,
  args: readonly string[] = [],
): Promise<{ address: string; child: ChildProcess }> {
  const port = await freePort();
  const entry = join(WORKSPACE_ROOT, 'apps', app, 'src', 'main.ts');
  const child = spawn(
    process.execPath,
    ['--conditions=@distlab/source', '--import', 'tsx', entry, '--port', String(port), '--log-level', 'warn', ...args],
    // Its stdin is a pipe from here, watched (SUPERVISED_ENV): it stops if this process dies without stopping it.
    { cwd: WORKSPACE_ROOT, env: { ...process.env, ...SUPERVISED_ENV }, stdio: ['pipe', 'ignore', 'inherit'] },
  );
  const address = `127.0.0.1:${port}`;
  await waitForServing(address);
  return { address, child };
}

/** Sends SIGTERM to each process and waits until all have exited. */
export async function stopProcesses(children: readonly ChildProcess[]): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) => (child.exitCode !== null || child.signalCode !== null ? null : once(child, 'exit'))),
  );
}
