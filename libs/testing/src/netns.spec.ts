import { join } from 'node:path';
import { canUseNetns, NetnsLab, sweepStaleNetns } from './index';

// The network-namespace lab itself: two hosts on one bridge hold a TCP connection; cutting one host's link stalls it
// (no error, no RST: packets vanish), and restoring the link lets the same connection carry on. Skipped, saying why,
// where namespaces cannot be made (not Linux, not root, no `ip`).

const reason = canUseNetns();
if (reason !== undefined) console.warn(`network-namespace tests SKIPPED: ${reason}`);
const ECHO = join(__dirname, 'test-support', 'tcp-echo.mjs');

(reason === undefined ? describe : describe.skip)('NetnsLab', () => {
  let lab: NetnsLab | undefined;

  afterEach(async () => {
    await lab?.remove();
    lab = undefined;
  });

  it('connects two hosts, stalls their TCP connection while a link is cut, and resumes it once restored', async () => {
    lab = await NetnsLab.create({ hosts: ['alpha', 'beta'] });
    const [alpha, beta] = lab.hosts;
    expect([alpha.address, beta.address]).toEqual(['10.213.0.2', '10.213.0.3']);
    const server = lab.spawn(beta, process.execPath, [ECHO, 'server', beta.address, '7000']);
    await server.waitForLine((line) => line === 'listening');
    // The hosts file makes "beta" resolve inside alpha's namespace.
    const client = lab.spawn(alpha, process.execPath, [ECHO, 'client', 'beta', '7000']);
    await client.waitForLine((line) => line === 'connected');
    client.child.stdin!.write('one\n');
    await client.waitForLine((line) => line === 'echo one', 5000);

    await lab.cut(beta);
    client.child.stdin!.write('two\n');
    // Cut at the kernel: the line neither arrives nor fails; the connection just waits.
    await expect(client.waitForLine((line) => line !== 'echo one' && line !== 'connected', 1500)).rejects.toThrow(
      /no matching line/,
    );

    const restoredAt = Date.now();
    await lab.restore(beta);
    await client.waitForLine((line) => line === 'echo two', 30_000);
    console.log(`the stalled connection carried on ${Date.now() - restoredAt} ms after the link came back`);
  }, 60_000);

  it('removes every namespace and hosts file it made', async () => {
    const made = await NetnsLab.create({ hosts: 2 });
    const namespaces = [made.hubNamespace, ...made.hosts.map((host) => host.namespace)];
    await made.remove();
    const { readdirSync, existsSync } = await import('node:fs');
    const left = readdirSync('/var/run/netns').filter((name) => namespaces.includes(name));
    expect(left).toEqual([]);
    expect(namespaces.filter((name) => existsSync(join('/etc/netns', name)))).toEqual([]);
  });

  it('sweeps the namespaces of a lab made over an hour ago, and no others', async () => {
    const { execFileSync } = await import('node:child_process');
    const { readdirSync } = await import('node:fs');
    const twoHoursAgo = Math.floor((Date.now() - 2 * 3600_000) / 1000).toString(36);
    const stale = `dlns-${twoHoursAgo}-abcdef-hub`;
    const other = `notours-${twoHoursAgo}-abcdef-hub`;
    for (const name of [stale, other]) execFileSync('ip', ['netns', 'add', name]);
    try {
      expect(sweepStaleNetns()).toBeGreaterThanOrEqual(1);
      const left = readdirSync('/var/run/netns');
      expect(left).not.toContain(stale);
      expect(left).toContain(other);
    } finally {
      for (const name of [stale, other]) {
        try {
          execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
        } catch {
          // Already swept.
        }
      }
    }
  });
});
