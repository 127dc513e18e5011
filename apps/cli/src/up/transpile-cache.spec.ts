import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeerProcess, WORKSPACE_ROOT, type ServerProcessHandle } from '@distlab/testing';
import { SUPERVISED_NODE_ARGS } from './supervisor';
import { warmTranspileCache } from './transpile-cache';

// A process that tsx had to transpile for keeps an idle esbuild process for its whole life; `distlab up` fills tsx's
// cache first (transpile-cache.ts), so that none of the system's processes does. Each case starts on a cold cache: a
// temporary directory of its own, where tsx keeps its cache. (Jest gives a test its own copy of process.env: the
// processes started here are given it explicitly.)

const PEER = { app: 'peer', args: ['--id', '1', '--port', '0'] };
const linux = process.platform === 'linux';

/** The esbuild processes among `pid`'s children, read from /proc. */
function esbuildChildren(pid: number): number {
  let count = 0;
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('esbuild')) count += 1;
    } catch {
      // Gone meanwhile.
    }
  }
  return count;
}

const savedTmpdir = process.env['TMPDIR'];
let peer: ServerProcessHandle | undefined;

beforeEach(() => {
  // A cold cache: tsx keeps it in <tmpdir>/tsx-<uid>, and the peers started here inherit TMPDIR.
  process.env['TMPDIR'] = mkdtempSync(join(tmpdir(), 'distlab-cold-cache-'));
});

afterEach(async () => {
  await peer?.process.stop();
  peer = undefined;
  process.env['TMPDIR'] = savedTmpdir;
});

(linux ? it : it.skip)(
  'without the warm-up, a process that transpiled keeps an esbuild process',
  async () => {
    peer = await startPeerProcess(1);
    expect(esbuildChildren(peer.process.child.pid!)).toBeGreaterThan(0);
  },
  90_000,
);

(linux ? it : it.skip)(
  'after the warm-up, a process keeps none; and the warm-up runs only when a source changed',
  async () => {
    expect(await warmTranspileCache(WORKSPACE_ROOT, SUPERVISED_NODE_ARGS, [PEER], process.env)).toBe(true);
    peer = await startPeerProcess(1);
    expect(esbuildChildren(peer.process.child.pid!)).toBe(0);
    expect(await warmTranspileCache(WORKSPACE_ROOT, SUPERVISED_NODE_ARGS, [PEER], process.env)).toBe(false);
  },
  90_000,
);
