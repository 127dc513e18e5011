import { spawnSync } from 'node:child_process';
import { readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@distlab/testing';
import { paint, paintVerdicts } from './context';

// The bin runs a compiled bundle and must never run a stale one: a source edited after the bundle was built makes the
// next command rebuild it first. And colour is for terminals only.

const BIN = join(WORKSPACE_ROOT, 'apps', 'cli', 'bin', 'distlab.js');
const STAMP = join(WORKSPACE_ROOT, 'apps', 'cli', '.bundle', 'stamp.json');

function version(): { status: number | null; stdout: string } {
  return spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
}

function builtAtMs(): number {
  return (JSON.parse(readFileSync(STAMP, 'utf8')) as { builtAtMs: number }).builtAtMs;
}

describe('the compiled distlab', () => {
  it('rebuilds its bundle when a source is newer, and not otherwise', () => {
    expect(version()).toMatchObject({ status: 0 });
    const before = builtAtMs();
    expect(version()).toMatchObject({ status: 0 });
    expect(builtAtMs()).toBe(before);

    // A source saved after the build (its modification time set past the stamp's, as an editor's save would).
    const source = join(WORKSPACE_ROOT, 'apps', 'cli', 'src', 'help-examples.ts');
    const later = new Date(before + 1_000);
    utimesSync(source, later, later);
    expect(version()).toMatchObject({ status: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
    expect(builtAtMs()).toBeGreaterThan(before);
  });
});

describe('colour', () => {
  const terminal = (colours: boolean) => ({ isTTY: true, hasColors: () => colours }) as unknown as NodeJS.WriteStream;
  const pipe = { isTTY: false, hasColors: () => true } as unknown as NodeJS.WriteStream;

  it('colours on a terminal that has colours, and never on a pipe or under NO_COLOR', () => {
    expect(paint('green', 'PASS', terminal(true))).toBe('\u001b[32mPASS\u001b[39m');
    // Node's hasColors() is false under NO_COLOR=1, and when TERM says the terminal has none.
    expect(paint('green', 'PASS', terminal(false))).toBe('PASS');
    expect(paint('green', 'PASS', pipe)).toBe('PASS');
  });

  it('leaves verdicts plain when stdout is not a terminal', () => {
    expect(paintVerdicts('PASS one\nFAIL two')).toBe(process.stdout.isTTY ? expect.any(String) : 'PASS one\nFAIL two');
  });
});
