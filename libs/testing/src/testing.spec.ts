import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { hasOpenssl, makeTestCertificates, spawnTypeScript } from './index';

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
