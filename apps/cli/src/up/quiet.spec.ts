import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortRange, SpawnedProcess, WORKSPACE_ROOT } from '@distlab/testing';

// `npm start` is `distlab up`: this starts it the same way (the bin, default log level, five peers) on free ports and
// proves that at rest it is quiet, at most a line a second, so that the lab's events can be seen: a lock granted shows
// as a line with its fencing token, and a leader change as a line from each peer.

const BIN = join(WORKSPACE_ROOT, 'apps', 'cli', 'bin', 'distlab.js');
const PEERS = 5;
const WORKERS = 2;
/** Long enough for the start-up's election and registrations to settle; the count starts after it. */
const SETTLE_MS = 5_000;
/** The window the lines are counted over: what "at rest" means here. */
const WINDOW_MS = 60_000;

let supervisor: SpawnedProcess;
let basePort: number;

beforeAll(async () => {
  basePort = await freePortRange(20);
  const dir = mkdtempSync(join(tmpdir(), 'distlab-quiet-'));
  const child = spawn(
    process.execPath,
    [
      BIN,
      ...['--base-port', String(basePort), 'up', '--peers', String(PEERS), '--workers', String(WORKERS)],
      ...['--data-dir', join(dir, 'inventory'), '--events-dir', join(dir, 'events'), '--state-dir', join(dir, 'state')],
    ],
    { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  supervisor = new SpawnedProcess(child);
  await supervisor.waitForLine((line) => line === `distlab is up: ${PEERS + WORKERS + 2} processes`, 90_000);
}, 120_000);

afterAll(async () => {
  await supervisor.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it(
  'logs at most one line a second at rest, at the default level',
  async () => {
    await sleep(SETTLE_MS);
    const before = supervisor.lines.length;
    await sleep(WINDOW_MS);
    const atRest = supervisor.lines.slice(before);
    // At most one line a second: whatever goes beyond that count is shown when this fails.
    expect(atRest.slice(WINDOW_MS / 1000)).toEqual([]);
  },
  WINDOW_MS + 60_000,
);

it('shows a leader change as one line per peer', () => {
  for (let id = 1; id <= PEERS; id += 1) {
    expect(supervisor.lines).toContainEqual(
      expect.stringMatching(new RegExp(`^peer-${id} +│ .* leader changed .*leader=`)),
    );
  }
});

it('shows a lock grant as one line with its fencing token', async () => {
  const acquire = spawn(
    process.execPath,
    [BIN, '--base-port', String(basePort), 'mutex', 'acquire', '--peer', '2', '--hold', '50ms', '--name', 'quiet-test'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const client = new SpawnedProcess(acquire);
  acquire.stdin.end();
  expect(await client.exited()).toBe(0);
  const granted = await supervisor.waitForLine((line) =>
    /^peer-2 +│ .* EVENT entered the critical section: .*token=\d+ for quiet-test/.test(line),
  );
  expect(supervisor.lines.filter((line) => line.includes('entered the critical section'))).toEqual([granted]);
  await supervisor.waitForLine((line) => /^peer-2 +│ .* EVENT left the critical section: /.test(line));
}, 30_000);
