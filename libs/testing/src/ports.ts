import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { credentials, makeClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { SUPERVISED_ENV, WORKSPACE_ROOT } from './processes';

/**
 * Ports handed out for a test to bind later are taken below the kernel's ephemeral range (32768 and up on Linux, 49152
 * and up elsewhere): a port from that range, free a moment ago, can be taken meanwhile as the local port of any
 * outgoing connection, such as the connections the peers of a cluster open to one another as they start, which then
 * fail to bind it ("No address added"). Below the range, only another test's pick can collide: picks are random, and
 * each is reserved (below) so that no other test process picks it while this one has not bound it yet.
 */
const LOW_PORT_FIRST = 20_000;
const LOW_PORT_COUNT = 12_000;
const LOW_PORT_ATTEMPTS = 50;

/**
 * A port handed out is reserved for as long as this process lives, machine-wide: an abstract unix socket named after
 * it (Linux; nothing on disk, and the kernel releases it however the process ends). Without it, the projects' test runs
 * side by side (several Jest processes) picked the same random port now and then in the seconds before the first
 * bound it, and a whole spec failed with EADDRINUSE. Elsewhere picks are only random.
 */
const reservations = new Map<number, Server>();

/** Reserves `port` for this process: false if another process (or this one) has it already. */
function reserve(port: number): Promise<boolean> {
  if (reservations.has(port)) return Promise.resolve(false);
  if (process.platform !== 'linux') return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const holder = createServer();
    holder.once('error', (error: NodeJS.ErrnoException) => resolve(error.code !== 'EADDRINUSE'));
    holder.listen(`\0distlab-test-port-${port}`, () => {
      holder.unref(); // Held while the process lives, never what keeps it alive.
      reservations.set(port, holder);
      resolve(true);
    });
  });
}

function release(port: number): void {
  reservations.get(port)?.close();
  reservations.delete(port);
}

/** Whether `port` can be bound on 127.0.0.1 now (it is released at once). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A loopback port below the ephemeral range, free a moment ago and reserved for this process (see above). */
export async function freePort(): Promise<number> {
  return (await freePortRange(1)) + 1;
}

/**
 * A base port such that base+1 to base+count are all free and reserved for this process, below the ephemeral range
 * (see above): for layouts of fixed offsets (`distlab up`'s).
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < LOW_PORT_ATTEMPTS; attempt += 1) {
    const base = LOW_PORT_FIRST + Math.floor(Math.random() * (LOW_PORT_COUNT - count));
    const ports = Array.from({ length: count }, (_, index) => base + 1 + index);
    const reserved = await Promise.all(ports.map(reserve));
    if (reserved.every(Boolean) && (await Promise.all(ports.map(portIsFree))).every(Boolean)) return base;
    for (const [index, port] of ports.entries()) if (reserved[index]) release(port);
  }
  throw new Error(`no free range of ${count} ports from ${LOW_PORT_FIRST} to ${LOW_PORT_FIRST + LOW_PORT_COUNT}`);
}

const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health');

/**
 * How long a process started by a test or a benchmark may take to serve. It only bounds a failure: a process that
 * serves is seen within 100 ms. Five peers starting at once through tsx on two cores that other work keeps busy took
 * over 30 s (a load average of 12, seen with `npx nx bench live-view` beside other benchmarks).
 */
const SERVING_TIMEOUT_MS = 120_000;

/** Polls grpc.health.v1 until the server answers SERVING, or rejects after `timeoutMs` (or once `signal` aborts). */
export async function waitForServing(
  address: string,
  timeoutMs = SERVING_TIMEOUT_MS,
  signal?: AbortSignal,
): Promise<void> {
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
    while (Date.now() < deadline && signal?.aborted !== true) {
      const status = await new Promise<string>((resolve) =>
        client.check({ service: '' }, { deadline: Date.now() + 1000 }, (error, response) =>
          resolve(error ? 'DOWN' : response.status),
        ),
      );
      if (status === 'SERVING') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      signal?.aborted === true ? `stopped waiting for ${address}` : `${address} not SERVING within ${timeoutMs} ms`,
    );
  } finally {
    client.close();
  }
}

/** A process that exited before it served: a bad flag, or a port taken since it was found free. */
export class ExitedBeforeServingError extends Error {
  constructor(
    name: string,
    address: string,
    /** Its exit code, or null when a signal ended it. */
    readonly exitCode: number | null,
    signalName: string | null,
  ) {
    super(`${name} exited (${signalName ?? `code ${exitCode}`}) before serving on ${address}`);
    this.name = 'ExitedBeforeServingError';
  }

  /**
   * Whether starting it again on another port may do: the apps exit 1 when they fail to start, a port taken among the
   * causes, and 2 on a usage error, which no retry mends (libs/grpc-kit/src/main.ts).
   */
  get mayPassOnRetry(): boolean {
    return this.exitCode === 1;
  }
}

/**
 * Waits until `child`, started to serve at `address`, answers health SERVING; rejects at once, naming it, if it exits
 * first (a bad flag, a port it cannot bind), instead of polling a process that is gone until the timeout.
 */
export async function waitForChildServing(child: ChildProcess, name: string, address: string): Promise<void> {
  const stopped = new AbortController();
  const exited = new Promise<never>((_, reject) => {
    const onExit = (code: number | null, signalName: string | null) => {
      stopped.abort();
      reject(new ExitedBeforeServingError(name, address, code, signalName));
    };
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
    else child.once('exit', onExit);
    stopped.signal.addEventListener('abort', () => child.off('exit', onExit), { once: true });
  });
  try {
    await Promise.race([waitForServing(address, SERVING_TIMEOUT_MS, stopped.signal), exited]);
  } finally {
    stopped.abort();
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
  try {
    await waitForChildServing(child, app, address);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { address, child };
}

/** Sends SIGTERM to each process and waits until all have exited. */
export async function stopProcesses(children: readonly ChildProcess[]): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) => (child.exitCode !== null || child.signalCode !== null ? null : once(child, 'exit'))),
  );
}
