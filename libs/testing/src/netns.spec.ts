import { join } from 'node:path';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { netnsUnavailableReason, VirtualNetwork } from './netns';

// The virtual network is real: two hosts reach each other by address and by name; a cut link loses packets without a
// reset (a connection attempt neither succeeds nor is refused), and a restored one carries them again; nothing is
// left behind.

const unavailable = netnsUnavailableReason();
const describeOnLinux = unavailable === undefined ? describe : describe.skip;
if (unavailable !== undefined) console.warn(`network namespace tests skipped: ${unavailable}`);

/** A TCP connection attempt from `from` to host:port, given `timeoutMs`: 'connected', 'refused' or 'timed out'. */
function connect(network: VirtualNetwork, from: string, target: string, timeoutMs: number): string {
  const [host, port] = target.split(':');
  const script =
    `const s = require('node:net').connect(${port}, ${JSON.stringify(host)}, () => { console.log('connected'); process.exit(0); });` +
    `s.on('error', (e) => { console.log(e.code === 'ECONNREFUSED' ? 'refused' : e.code); process.exit(0); });` +
    `setTimeout(() => { console.log('timed out'); process.exit(0); }, ${timeoutMs});`;
  const result = spawnSync('ip', ['netns', 'exec', network.host(from).namespace, process.execPath, '-e', script], {
    encoding: 'utf8',
  });
  return result.stdout.trim();
}

describeOnLinux('VirtualNetwork', () => {
  let network: VirtualNetwork;
  let dir: string;

  beforeAll(() => {
    network = VirtualNetwork.create({ hosts: ['a', 'b'], names: { server: 'a' } });
    dir = mkdtempSync(join(tmpdir(), 'distlab-netns-'));
  });

  afterAll(() => {
    network?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries TCP between hosts by address and by name, refuses a closed port, and loses packets over a cut link', async () => {
    const serverScript = join(dir, 'server.js');
    writeFileSync(
      serverScript,
      "require('node:net').createServer(() => undefined).listen(7000, () => console.log('listening'));",
    );
    const server = network.spawnTypeScript('a', serverScript);
    try {
      await server.waitForLine((line) => line === 'listening', 30_000);
      const a = network.host('a').address;
      expect(connect(network, 'b', `${a}:7000`, 5_000)).toBe('connected');
      expect(connect(network, 'b', 'server:7000', 5_000)).toBe('connected');
      expect(connect(network, 'b', `${a}:7001`, 5_000)).toBe('refused');
      network.cut('a');
      expect(connect(network, 'b', `${a}:7000`, 1_500)).toBe('timed out'); // No reset: the SYN just vanishes.
      network.restore('a');
      expect(connect(network, 'b', `${a}:7000`, 5_000)).toBe('connected');
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('removes every namespace it made', () => {
    const probe = VirtualNetwork.create({ hosts: ['x'] });
    const names = [probe.hub, probe.host('x').namespace];
    probe.remove();
    const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    for (const name of names) expect(listed).not.toContain(name);
  });
});
