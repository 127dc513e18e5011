import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHealth, createHealthClient } from '@distlab/grpc-kit';
import { freePortRange, type SpawnedProcess, spawnDistlab } from '@distlab/testing';
import { layout } from './system';

// `distlab up` runs the system as real child processes: this proves they come up SERVING, that SIGTERM stops them all
// cleanly, and that killing the supervisor outright does not leave orphans behind.

let supervisor: SpawnedProcess | undefined;

afterEach(async () => {
  await supervisor?.stop();
});

async function healthOf(address: string): Promise<string> {
  const client = createHealthClient(address, { deadlineMs: 1000, maxAttempts: 1 });
  try {
    return await checkHealth(client);
  } catch {
    return 'UNREACHABLE';
  } finally {
    client.close();
  }
}

/** Runs the distlab CLI to completion. */
async function distlab(...args: string[]): Promise<{ exitCode: number | string; stdout: string; stderr: string }> {
  const run = spawnDistlab(args);
  run.child.stdin!.end();
  const exitCode = await run.exited();
  return { exitCode, stdout: run.lines.join('\n'), stderr: run.stderr };
}

async function eventually(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

let base = 0;

async function up(peers: number, workers = 1, extra: string[] = []): Promise<string[]> {
  base = await freePortRange(20);
  // Every directory of its own: the workspace's .distlab belongs to the user's `npm start`.
  const dir = mkdtempSync(join(tmpdir(), 'distlab-up-'));
  supervisor = spawnDistlab([
    'up',
    '--peers',
    String(peers),
    '--workers',
    String(workers),
    '--base-port',
    String(base),
    ...['--data-dir', join(dir, 'inventory'), '--events-dir', join(dir, 'events'), '--state-dir', join(dir, 'state')],
    ...extra,
  ]);
  const exitedEarly = supervisor.exited().then((code) => {
    throw new Error(`distlab up exited (${code}) before it was up: ${supervisor?.stderr}`);
  });
  await Promise.race([
    supervisor.waitForLine((line) => line === `distlab is up: ${peers + workers + 2} processes`, 90_000),
    exitedEarly,
  ]);
  exitedEarly.catch(() => undefined);
  const ports = layout(base, peers, workers);
  return [ports.balancer, ports.inventory, ...ports.workers, ...ports.peers.map((peer) => peer.port)].map(
    (port) => `127.0.0.1:${port}`,
  );
}

describe('distlab up', () => {
  it('starts every peer SERVING, prints the table, and on SIGTERM stops them all and exits 0', async () => {
    const addresses = await up(2);
    const table = supervisor!.lines.join('\n');
    expect(table).toContain(`balancer   ${addresses[0]}`);
    expect(table).toContain(`inventory  ${addresses[1]}`);
    expect(table).toContain(`worker-1   ${addresses[2]}`);
    expect(table).toContain(`peer-2     ${addresses[4]}`);
    for (const address of addresses) expect(await healthOf(address)).toBe('SERVING');

    const balancer = addresses[0];
    const factorial = await distlab('--target', balancer, 'factorial', '12');
    expect(factorial).toMatchObject({ exitCode: 0, stdout: '479001600' });
    expect(factorial.stderr).toContain('12! has 9 digits; computed by worker-1');
    const streamed = await distlab('--target', balancer, 'factorial', '1000', '--stream');
    expect(streamed.stdout).toBe((await distlab('--target', balancer, 'factorial', '1000')).stdout);
    expect(streamed.stderr).toContain('1000! has 2568 digits; streamed by worker-1');
    const registrations = await distlab('--target', balancer, 'registry', 'list');
    for (const name of ['distlab.factorial.v1.FactorialService', 'distlab.inventory.v1.InventoryService', 'peer-2']) {
      expect(registrations.stdout).toContain(name);
    }
    expect(await distlab('hello', '--name', 'Ada', '--lookup', 'peer-2', '--registry', balancer)).toMatchObject({
      exitCode: 0,
      stdout: 'Hello, Ada! (from peer-2)',
    });
    expect(await distlab('hello', '--name', 'Ada', '--lookup', 'nobody', '--registry', balancer)).toMatchObject({
      exitCode: 1,
      stderr: expect.stringContaining('no live registration named "nobody"'),
    });

    // Peers know each other: a stamped message from peer 1 to peer 2 shows in both event logs.
    const [peer1, peer2] = [addresses[3], addresses[4]];
    const sent = await distlab('--target', peer1, 'clock', 'send', '--from', '1', '--to', '2', '--payload', 'hello');
    expect(sent.exitCode).toBe(0);
    const [, sendLamport] = /peer-1 send +L=(\d+)/.exec(sent.stdout) ?? [];
    const [, receiveLamport] = /peer-2 receive +L=(\d+)/.exec(sent.stdout) ?? [];
    expect(Number(receiveLamport)).toBeGreaterThan(Number(sendLamport));
    expect((await distlab('--target', peer2, 'events', '--peer', '2')).stdout).toContain('receive message from 1');

    supervisor!.child.kill('SIGTERM');
    expect(await supervisor!.exited()).toBe(0);
    expect(supervisor!.lines).toContain('distlab up: stopped');
    for (const address of addresses) expect(await healthOf(address)).toBe('UNREACHABLE');
  }, 90_000);

  it('runs every demo against it, each ending in PASS', async () => {
    await up(3, 2);
    const demos = await distlab('demo', 'all', '--base-port', String(base));
    const lines = demos.stdout.split('\n');
    const verdicts = lines.filter((line) => /^(PASS|FAIL): demo /.test(line));
    // A failed check's line says what was seen (FAIL <check>: <summary>), so a failure here explains itself.
    const failedChecks = lines.filter((line) => /^FAIL [^:]/.test(line));
    // And what the system said meanwhile, but for the line per call: restarts, warnings, errors.
    if (demos.exitCode !== 0)
      console.log(
        ['demo all:', ...lines, 'distlab up:', ...supervisor!.lines.filter((line) => !/ INFO /.test(line))].join('\n'),
      );
    expect({ exitCode: demos.exitCode, stderr: demos.stderr, failedChecks, verdicts }).toEqual({
      exitCode: 0,
      stderr: '',
      failedChecks: [],
      verdicts: [
        'PASS: demo lamport',
        'PASS: demo vector',
        'PASS: demo ricart-agrawala',
        'PASS: demo cristian',
        'PASS: demo berkeley',
        'PASS: demo ring',
        'PASS: demo factorial',
        'PASS: demo inventory',
        'PASS: demo fencing',
        'PASS: demo bully',
      ],
    });
  }, 120_000);

  it('a demo with nothing running starts a system of its own, runs against it, and stops it', async () => {
    base = await freePortRange(20);
    const ports = layout(base, 3, 1);
    const addresses = [ports.balancer, ports.inventory, ...ports.workers, ...ports.peers.map((peer) => peer.port)].map(
      (port) => `127.0.0.1:${port}`,
    );
    const demo = await distlab('demo', 'lamport', '--base-port', String(base), '--peers', '3', '--workers', '1');
    expect(demo).toMatchObject({ exitCode: 0, stderr: '' });
    expect(demo.stdout).toContain(`Nothing answers at ${addresses.at(-3)}: starting a system for this demo`);
    expect(demo.stdout).toContain('up: 6 processes');
    expect(demo.stdout).toContain('PASS: demo lamport');
    const [, eventsDir] = /its event logs stay in (\S+) \(/.exec(demo.stdout) ?? [];
    expect(
      readdirSync(eventsDir)
        .filter((file) => file.endsWith('.jsonl'))
        .sort(),
    ).toEqual(['peer-1.jsonl', 'peer-2.jsonl', 'peer-3.jsonl']);
    // Stopped before the command returned: nothing of it answers any more.
    for (const address of addresses) expect(await healthOf(address)).toBe('UNREACHABLE');
  }, 90_000);

  it('a demo whose own system cannot start says which process failed, and leaves nothing running', async () => {
    base = await freePortRange(20);
    const ports = layout(base, 2, 1);
    // Something else holds the balancer's port; the peers' ports are free, so the demo starts a system of its own.
    const squatter = createServer().listen(ports.balancer, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      const demo = await distlab('demo', 'lamport', '--base-port', String(base), '--peers', '2', '--workers', '1');
      expect(demo.exitCode).toBe(1);
      expect(demo.stderr).toContain(
        "error: ERROR: the demo's own system did not start: balancer exited before serving",
      );
      for (const port of [ports.inventory, ...ports.workers, ...ports.peers.map((peer) => peer.port)])
        expect(await healthOf(`127.0.0.1:${port}`)).toBe('UNREACHABLE');
    } finally {
      squatter.close();
    }
  }, 90_000);

  it('a demo stops the system it started when it is interrupted (Ctrl-C)', async () => {
    base = await freePortRange(20);
    const peers = layout(base, 2, 0).peers.map((peer) => `127.0.0.1:${peer.port}`);
    const demo = spawnDistlab(['demo', 'bully', '--base-port', String(base), '--peers', '2', '--workers', '1']);
    await demo.waitForLine((line) => line.startsWith('  up: '), 60_000);
    demo.child.kill('SIGINT');
    expect(await demo.exited()).toBe(130);
    for (const address of peers) expect(await healthOf(address)).toBe('UNREACHABLE');
  }, 90_000);

  it('--secure: TLS on every call (peer to peer and through the balancer too), the token required but for health', async () => {
    const secrets = mkdtempSync(join(tmpdir(), 'distlab-secrets-'));
    const [balancer, , , peer1] = await up(2, 1, ['--secure', '--secrets-dir', secrets]);
    const token = readFileSync(join(secrets, 'token'), 'utf8').trim();
    const tls = ['--tls-ca', join(secrets, 'ca.crt')];
    // Through the balancer's TLS face to the worker's, with the token the worker checks.
    expect(await distlab(...tls, '--token', token, '--target', balancer, 'factorial', '12')).toMatchObject({
      exitCode: 0,
      stdout: '479001600',
    });
    // The peers reached each other over TLS with the token: they agree on a leader.
    const leaders = await distlab(...tls, '--token', token, '--target', peer1, 'election', 'leader');
    expect(leaders.stdout).toMatch(/peer-1 follows peer-2[\s\S]*peer-2 follows peer-2/);
    for (const [args, message] of [
      [['--target', peer1, 'clock', 'show'], 'missing bearer token'],
      [['--token', 'wrong', '--target', balancer, 'registry', 'list'], 'wrong bearer token'],
      // Through the balancer, the worker refuses a call without the token: the proxy passes the headers on.
      [['--target', balancer, 'factorial', '3'], 'missing bearer token'],
    ] as const) {
      const refused = await distlab(...tls, ...args);
      expect(refused).toMatchObject({ exitCode: 1, stderr: expect.stringContaining(`UNAUTHENTICATED: ${message}`) });
    }
    expect((await distlab(...tls, '--target', balancer, 'health')).exitCode).toBe(0);
    // Plaintext is not spoken at all.
    expect(
      (await distlab('--token', token, '--deadline', '2000', '--target', peer1, 'clock', 'show')).stderr,
    ).toContain('UNAVAILABLE');
  }, 120_000);

  it('leaves no orphans when the supervisor is killed with SIGKILL', async () => {
    const addresses = await up(2);
    supervisor!.child.kill('SIGKILL');
    await supervisor!.exited();
    const allGone = await eventually(
      async () => (await Promise.all(addresses.map(healthOf))).every((state) => state === 'UNREACHABLE'),
      20_000,
    );
    expect(allGone).toBe(true);
  }, 90_000);
});
