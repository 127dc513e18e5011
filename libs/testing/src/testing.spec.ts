import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cpuTimeMs, cpuTimeMsOf, hasOpenssl, makeTestCertificates, spawnTypeScript } from './index';

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
    const before = cpuTimeMs(process.pid)!;
    const usageBefore = process.cpuUsage();
    const spinUntil = performance.now() + 300;
    while (performance.now() < spinUntil);
    const used = cpuTimeMs(process.pid)! - before;
    const { user, system } = process.cpuUsage(usageBefore);
    // Both clocks saw the same 300 ms of spinning (/proc's stat counts in 10 ms ticks).
    expect(used).toBeGreaterThan(200);
    expect(Math.abs(used - (user + system) / 1000)).toBeLessThan(30);
  });

  it('is undefined for a process that is not there', () => {
    expect(cpuTimeMs(2 ** 30)).toBeUndefined();
    expect(cpuTimeMsOf([process.pid, 2 ** 30])).toBeUndefined();
  });
});

describe('PeerCluster', () => {
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
