import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreLoadError, loadClockCores, loadElectionCore, loadMutexCore } from './core-loader';
import { sweep } from './core-check';

// The loader takes a user's module from anywhere, in TypeScript or JavaScript, as a function or a class, and checks
// its shape before anything drives it, saying what is missing in terms of the interface.

const dir = mkdtempSync(join(tmpdir(), 'distlab-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

describe('the core loader', () => {
  it('loads a JavaScript class exported by default and drives it through the simulator', () => {
    const file = write(
      'alone.js',
      `module.exports.default = class Alone {
         constructor(options) { this.options = options; this.state = 'released'; }
         handle(input) {
           if (input.kind === 'acquire') { this.state = 'held'; return [{ kind: 'entered', fencingToken: 1, requestTimestamp: 1 }]; }
           if (input.kind === 'release') { this.state = 'released'; return [{ kind: 'exited', fencingToken: 1 }]; }
           return [];
         }
         describe() { return { state: this.state }; }
       };`,
    );
    const factory = loadMutexCore(file);
    expect(factory({ self: 2, members: [1, 2], incarnation: 1 }).state).toBe('released');
    // It never asks anyone, so several processes hold the section at once.
    const result = sweep('ricart-agrawala', { faults: true, core: { mutex: factory }, firstSeed: 1, seeds: 3 });
    expect(result.first?.violation).toContain('mutual exclusion violated');
  });

  it('loads TypeScript clock cores by their documented names', () => {
    const file = write(
      'clocks.ts',
      `export function createLamportClock() {
         let time = 0;
         return { get time(): number { return time; }, tick: (): number => ++time, receive: (t: number): number => (time = Math.max(time, t) + 1) };
       }`,
    );
    const cores = loadClockCores(file);
    expect(cores.createLamportClock?.().tick()).toBe(1);
    expect(cores.vector).toBeUndefined();
    expect(sweep('lamport', { faults: true, core: { clocks: cores }, firstSeed: 1, seeds: 20 }).failures).toBe(0);
  });

  it.each([
    ['a missing file', () => loadMutexCore(join(dir, 'missing.ts')), 'no such file'],
    ['no factory', () => loadElectionCore(write('none.js', 'exports.other = 1;')), 'exports no createElectionCore'],
    [
      'a core without handle()',
      () => loadMutexCore(write('half.js', "exports.createMutexCore = () => ({ state: 'released', describe() {} });")),
      'without handle()',
    ],
    [
      'an election core without nextDeadlineMs()',
      () =>
        loadElectionCore(
          write('e.js', 'exports.createElectionCore = () => ({ handle() { return []; }, describe() {} });'),
        ),
      'without nextDeadlineMs()',
    ],
    ['no clock core at all', () => loadClockCores(write('c.js', 'exports.x = 1;')), 'exports none of'],
    ['a module that throws', () => loadMutexCore(write('boom.js', "throw new Error('boom');")), 'boom'],
  ])('refuses %s, saying what is wrong', (_name, load, message) => {
    expect(load).toThrow(CoreLoadError);
    expect(load).toThrow(message);
  });
});
