import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ROOT, spawnDistlab } from '@distlab/testing';

// Bring your own algorithm, end to end: a student's Ricart–Agrawala core, written against the documented interface,
// is copied to a directory outside the workspace and checked by `distlab simulate --core` in a real CLI process. The
// correct core passes 300 faulty seeds; the same file with one planted bug (it answers requests while holding the
// critical section) fails, printing the seed, the invariant and the shortest failing prefix, and writes the diagram
// page of that prefix with the violation marked.

const EXAMPLE = join(WORKSPACE_ROOT, 'examples', 'cores', 'ricart-agrawala.ts');
const outside = mkdtempSync(join(tmpdir(), 'distlab-byoa-'));

afterAll(() => rmSync(outside, { recursive: true, force: true }));

async function simulate(args: string[]): Promise<{ code: number | string; output: string; stderr: string }> {
  const run = spawnDistlab(['simulate', ...args]);
  run.child.stdin!.end();
  const code = await run.exited();
  return { code, output: run.lines.join('\n'), stderr: run.stderr };
}

describe('distlab simulate --core', () => {
  it('passes a correct core loaded from outside the workspace', async () => {
    const core = join(outside, 'my-ra.ts');
    copyFileSync(EXAMPLE, core);
    const result = await simulate(['--algorithm', 'ricart-agrawala', '--core', core, '--seeds', '300']);
    expect(result.stderr).toBe('');
    expect(result.output).toContain('300 runs, 0 failed');
    expect(result.code).toBe(0);
  }, 60_000);

  it('fails the same core with a planted bug, names the seed and the invariant, and draws the failing prefix', async () => {
    const core = join(outside, 'my-ra-replies-while-holding.ts');
    const source = readFileSync(EXAMPLE, 'utf8');
    const broken = source.replace(
      "if (this.state === 'held' || (this.state === 'wanted' && mineFirst)) {",
      "if (this.state === 'wanted' && mineFirst) {",
    );
    expect(broken).not.toBe(source);
    writeFileSync(core, broken);
    const diagram = join(outside, 'failing.html');
    const result = await simulate([
      '--algorithm',
      'ricart-agrawala',
      '--core',
      core,
      '--seeds',
      '300',
      '--trace',
      diagram,
    ]);
    process.stdout.write(`${result.output}\n`);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/FAIL at seed \d+: .*mutual exclusion violated/);
    expect(result.output).toMatch(/shortest failing prefix: (\d+) steps \(the first \d+ pass\)/);
    expect(existsSync(diagram)).toBe(true);
    const page = readFileSync(diagram, 'utf8');
    expect(page).toContain('✗ t=');
    expect(page).toContain('FAIL: ');
  }, 60_000);

  it('--explore finds the never-defers bug in a core from outside the workspace, and draws the counterexample', async () => {
    const core = join(outside, 'my-ra-never-defers.ts');
    const source = readFileSync(EXAMPLE, 'utf8');
    writeFileSync(
      core,
      source.replace("if (this.state === 'held' || (this.state === 'wanted' && mineFirst)) {", 'if (false) {'),
    );
    const diagram = join(outside, 'counterexample.html');
    const result = await simulate(['--algorithm', 'ricart-agrawala', '--core', core, '--explore', '--trace', diagram]);
    process.stdout.write(`${result.output}\n`);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/\d+ states explored .*FAIL: mutual exclusion violated/);
    expect(result.output).toMatch(/shortest counterexample, \d+ events/);
    expect(readFileSync(diagram, 'utf8')).toContain('✗ mutual exclusion violated');
  }, 120_000);

  it('says what is missing when a module does not export a core', async () => {
    const core = join(outside, 'empty.js');
    writeFileSync(core, 'exports.nothing = 1;\n');
    const result = await simulate(['--algorithm', 'bully', '--core', core]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('exports no createElectionCore');
  }, 60_000);
});
