import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortRange, WORKSPACE_ROOT, type SpawnedProcess, spawnDistlab } from '@distlab/testing';

// Bring your own algorithm to the live cluster: a student's Ricart–Agrawala core, in a directory outside the
// workspace, is driven by every peer of a real `distlab up --mutex-core`, and `distlab demo ricart-agrawala` checks
// it from the peers' logs as it checks the reference: PASS. The same file with one planted bug (it never defers a
// reply: every request is answered at once) is caught by the same demo: FAIL, with the diagram of the run written.
// (Replying while holding is caught by the simulator, which searches interleavings; a live run of a few entries may
// never deliver a request during a hold, so this test plants the bug every run shows.)

const EXAMPLE = join(WORKSPACE_ROOT, 'examples', 'cores', 'ricart-agrawala.ts');
const outside = mkdtempSync(join(tmpdir(), 'distlab-own-core-'));
let supervisor: SpawnedProcess | undefined;

afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});
afterAll(() => rmSync(outside, { recursive: true, force: true }));

async function upWith(core: string): Promise<number> {
  const base = await freePortRange(20);
  const dir = mkdtempSync(join(outside, 'system-'));
  supervisor = spawnDistlab([
    ...['up', '--peers', '3', '--workers', '1', '--base-port', String(base), '--mutex-core', core],
    ...['--data-dir', join(dir, 'inventory'), '--events-dir', join(dir, 'events'), '--state-dir', join(dir, 'state')],
  ]);
  await supervisor.waitForLine((line) => line === 'distlab is up: 6 processes', 90_000);
  return base;
}

async function demo(base: number, trace: string): Promise<{ code: number | string; output: string }> {
  const run = spawnDistlab(['--base-port', String(base), 'demo', 'ricart-agrawala', '--trace', trace]);
  run.child.stdin!.end();
  const code = await run.exited();
  return { code, output: `${run.lines.join('\n')}\n${run.stderr}` };
}

describe('distlab up --mutex-core', () => {
  it('runs a correct core from outside the workspace on every peer, and the demo passes', async () => {
    const core = join(outside, 'my-ra.ts');
    copyFileSync(EXAMPLE, core);
    const base = await upWith(core);
    const trace = join(outside, 'correct.html');
    const result = await demo(base, trace);
    expect(result.output).toContain('PASS');
    expect(result.code).toBe(0);
    expect(existsSync(trace)).toBe(true);
  }, 180_000);

  it('catches the same core with a planted bug: the demo fails and the diagram of the run is written', async () => {
    const core = join(outside, 'my-ra-never-defers.ts');
    const source = readFileSync(EXAMPLE, 'utf8');
    const planted = 'if (mineFirst && !mineFirst) {';
    const broken = source.replace("if (this.state === 'held' || (this.state === 'wanted' && mineFirst)) {", planted);
    expect(broken).toContain(planted);
    writeFileSync(core, broken);
    const base = await upWith(core);
    const trace = join(outside, 'broken.html');
    const result = await demo(base, trace);
    expect(result.output).toContain('FAIL');
    expect(result.code).not.toBe(0);
    expect(readFileSync(trace, 'utf8')).toContain('<svg');
  }, 180_000);

  it('refuses a module that is not a core, as a usage error naming what is missing', async () => {
    const core = join(outside, 'not-a-core.ts');
    writeFileSync(core, 'export const nothing = 1;\n');
    const run = spawnDistlab(['up', '--mutex-core', core]);
    run.child.stdin!.end();
    expect(await run.exited()).toBe(2);
    expect(run.stderr).toContain('exports no createMutexCore');
  }, 60_000);
});
