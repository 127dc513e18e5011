import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createServer } from 'node:net';
import {
  cpuTimeMs,
  cpuTimeMsOf,
  fuzzRequestCount,
  fuzzTimeoutMs,
  freePort,
  hasOpenssl,
  makeTestCertificates,
  PeerCluster,
  spawnTypeScript,
} from './index';

describe('spawnTypeScript', () => {
  it('runs a TypeScript entry point as a process, waits for its lines, and reports its exit code', async () => {
    const echo = spawnTypeScript(join(__dirname, 'test-support', 'echo-lines.ts'));
    await echo.waitForLine((line) => line === 'ready');
    echo.child.stdin!.write('ping\n');
    expect(await echo.waitForLine((line) => line.startsWith('echo:'))).toBe('echo: ping');
    echo.child.stdin!.end();
    expect(await echo.exited()).toBe(3);
  });

  it('rejects waitForLine when no line matches in time', async () => {
    const echo = spawnTypeScript(join(__dirname, 'test-support', 'echo-lines.ts'));
    await expect(echo.waitForLine((line) => line === 'never', 300)).rejects.toThrow('no matching line within 300 ms');
    await echo.stop();
    expect(await echo.exited()).toBe('SIGKILL');
  });
});

(hasOpenssl() ? describe : describe.skip)('makeTestCertificates (skipped without openssl)', () => {
  it('makes server and client certificates that the CA verifies, for the purposes they serve', () => {
    const files = makeTestCertificates();
    const verify = (purpose: string, certificate: string) =>
      execFileSync('openssl', ['verify', '-purpose', purpose, '-CAfile', files.caCert, certificate], {
        encoding: 'utf8',
      });
    expect(verify('sslserver', files.serverCert)).toContain(': OK');
    expect(verify('sslclient', files.clientCert)).toContain(': OK');
  });
});

(existsSync('/proc/self/stat') ? describe : describe.skip)('cpuTimeMs', () => {
  it('counts the CPU a process used, as the process itself counts it', () => {
    // Spin until the process has used a given amount of CPU by its own count, not for a given wall time: on a busy
    // machine 300 ms of spinning got only 182 ms of CPU. The wall-clock bound only stops a broken clock from hanging.
    const targetMs = 200;
    const before = cpuTimeMs(process.pid)!;
    const usageBefore = process.cpuUsage();
    const usedByOwnCountMs = () => {
      const { user, system } = process.cpuUsage(usageBefore);
      return (user + system) / 1000;
    };
    for (const giveUpAt = performance.now() + 30_000; usedByOwnCountMs() < targetMs && performance.now() < giveUpAt;);
    const used = cpuTimeMs(process.pid)! - before;
    const ownCountMs = usedByOwnCountMs();
    expect(ownCountMs).toBeGreaterThanOrEqual(targetMs);
    // Both count every thread; /proc in nanoseconds (schedstat) or in 10 ms ticks (stat): allow two ticks either way.
    expect(used).toBeGreaterThanOrEqual(targetMs - 20);
    expect(used).toBeLessThanOrEqual(ownCountMs + 20);
  });

  it('counts the CPU of every thread, not only the main one', async () => {
    // A worker thread spins until the process has used 200 ms more CPU by Node's count (every thread), while the main
    // thread waits for it; it stays alive until it has been counted (a thread that ended is no longer in /proc).
    const usageBefore = process.cpuUsage();
    const before = cpuTimeMs(process.pid)!;
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const before = process.cpuUsage();
       const used = () => { const { user, system } = process.cpuUsage(before); return (user + system) / 1000; };
       for (const giveUpAt = performance.now() + 30_000; used() < 200 && performance.now() < giveUpAt;);
       parentPort.postMessage('spun');
       setInterval(() => undefined, 1000);`,
      { eval: true },
    );
    try {
      await new Promise((resolve) => worker.once('message', resolve));
      const used = cpuTimeMs(process.pid)! - before;
      const { user, system } = process.cpuUsage(usageBefore);
      expect((user + system) / 1000).toBeGreaterThanOrEqual(200);
      expect(used).toBeGreaterThanOrEqual(180);
    } finally {
      await worker.terminate();
    }
  });

  it('is undefined for a process that is not there', () => {
    expect(cpuTimeMs(2 ** 30)).toBeUndefined();
    expect(cpuTimeMsOf([process.pid, 2 ** 30])).toBeUndefined();
  });
});

describe('freePort', () => {
  // Outgoing connections take their local ports from the ephemeral range (32768 and up): a port handed out there can be
  // taken by one before the test binds it.
  it('hands out loopback ports below the ephemeral range that can be bound', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) expect(port).toBeGreaterThanOrEqual(20_000);
    for (const port of ports) expect(port).toBeLessThan(32_768);
    expect(new Set(ports).size).toBe(ports.length);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  // Test processes run side by side (a Jest run per project): one picked a port another had picked and not yet bound,
  // and a whole spec failed with EADDRINUSE. A pick is reserved machine-wide, by an abstract socket named after it.
  (process.platform === 'linux' ? it : it.skip)('reserves each port it hands out from other processes', async () => {
    const port = await freePort();
    const otherProcessReserves = (candidate: number) =>
      execFileSync(
        process.execPath,
        [
          '-e',
          `const s = require('node:net').createServer();
           s.on('error', (e) => { console.log(e.code); s.close(); });
           s.listen('\\0distlab-test-port-' + ${candidate}, () => { console.log('reserved'); s.close(); });`,
        ],
        { encoding: 'utf8' },
      ).trim();
    expect(otherProcessReserves(port)).toBe('EADDRINUSE');
    // The name is the one each process tries: a port nobody picked is there for the taking.
    expect(otherProcessReserves(19_999)).toBe('reserved');
  });
});

describe('PeerCluster', () => {
  // Without this, start polled a peer that was gone until its 30 s timeout. A usage error is not retried (as a port
  // taken is): three starts of three peers took over 20 s on a loaded machine.
  it('fails at once, naming the peer, when a peer exits as it starts', async () => {
    await expect(
      PeerCluster.start({ size: 3, argsFor: (id) => (id === 2 ? ['--listen', 'nonsense'] : []) }),
    ).rejects.toThrow(/^peer 2 exited \(code 2\) before serving on 127\.0\.0\.1:\d+$/);
  }, 60_000);

  it('leaves no peer behind when the test process that started it dies abruptly', async () => {
    const parent = spawnTypeScript(join(__dirname, 'test-support', 'orphaning-parent.ts'));
    const line = await parent.waitForLine((candidate) => candidate.startsWith('{'), 30_000);
    const { peerPid } = JSON.parse(line) as { peerPid: number };
    const alive = () => {
      try {
        process.kill(peerPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    parent.child.kill('SIGKILL');
    await parent.exited();
    for (const stopAt = Date.now() + 15_000; alive() && Date.now() < stopAt;)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive()).toBe(false);
  }, 60_000);
});

describe('fuzzRequestCount', () => {
  it("keeps the spec's own count unless FUZZ_REQUESTS asks for a soak, and scales the time limit with it", () => {
    expect(fuzzRequestCount(2_000, {})).toBe(2_000);
    expect(fuzzRequestCount(2_000, { FUZZ_REQUESTS: '10000' })).toBe(10_000);
    expect(fuzzTimeoutMs(180_000, 2_000, 10_000)).toBe(900_000);
    expect(fuzzTimeoutMs(180_000, 2_000, 100)).toBe(180_000);
  });

  it('refuses a FUZZ_REQUESTS that is not a bounded whole number', () => {
    for (const bad of ['lots', '-5', '1.5', '99999999']) {
      expect(() => fuzzRequestCount(2_000, { FUZZ_REQUESTS: bad })).toThrow(/FUZZ_REQUESTS must be a whole number/);
    }
  });
});
