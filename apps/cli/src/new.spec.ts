import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDistlab, WORKSPACE_ROOT } from '@distlab/testing';

// The starters: `distlab new` writes a skeleton (outside the workspace) that compiles against the documented
// interfaces, is loaded by `distlab simulate --core`, and fails the checks until it is filled in. Run as a student runs
// them: the compiled command (bin/distlab.js and its bundle), which once looked for the starters in the wrong place.

const TSC = join(WORKSPACE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const dir = mkdtempSync(join(tmpdir(), 'distlab-new-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function distlab(args: string[]): Promise<{ code: number | string; output: string }> {
  const run = spawnDistlab(args);
  run.child.stdin!.end();
  const code = await run.exited();
  return { code, output: `${run.lines.join('\n')}\n${run.stderr}` };
}

/** Type-checks `files` as a student's project would, with the lab's packages resolved to their sources. */
function typecheck(files: string[]): { ok: boolean; output: string } {
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        lib: ['es2023'],
        types: [],
        noUnusedLocals: true,
        noUnusedParameters: true,
        paths: { '@distlab/*': [join(WORKSPACE_ROOT, 'libs', '*', 'src', 'index.ts')] },
      },
      files,
    }),
  );
  try {
    execFileSync(process.execPath, [TSC, '-p', tsconfig], { encoding: 'utf8' });
    return { ok: true, output: '' };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout) };
  }
}

describe('distlab new', () => {
  const cases = [
    ['mutex-core', 'ricart-agrawala', 'liveness'],
    ['election-core', 'bully', 'agreement'],
    ['clock-core', 'lamport', 'Lamport'],
  ] as const;

  it.each(cases)(
    'writes a %s skeleton that is loaded and fails the %s checks until filled in',
    async (kind, algorithm, invariant) => {
      const file = join(dir, `my-${kind}.ts`);
      const written = await distlab(['new', kind, file]);
      expect(written.code).toBe(0);
      expect(readFileSync(file, 'utf8')).toContain('TODO');
      expect(written.output).toContain(`distlab simulate --algorithm ${algorithm}`);
      const checked = await distlab(['simulate', '--algorithm', algorithm, '--core', file, '--seeds', '5']);
      expect(checked.code).toBe(1);
      expect(checked.output).toMatch(new RegExp(`FAIL at seed 1: .*${invariant}`));
    },
    60_000,
  );

  it('writes skeletons that compile against the interfaces, as does the example core (and a type error is caught)', () => {
    const files = cases.map(([kind]) => join(dir, `my-${kind}.ts`));
    expect(files.every((file) => existsSync(file))).toBe(true);
    // The complete example core (examples/cores) is held to the same interface.
    const example = join(WORKSPACE_ROOT, 'examples', 'cores', 'ricart-agrawala.ts');
    expect(typecheck([...files, example])).toEqual({ ok: true, output: '' });
    const broken = join(dir, 'broken.ts');
    writeFileSync(
      broken,
      readFileSync(files[0], 'utf8').replace("state: 'released' | 'wanted' | 'held' = 'released';", "state = 'idle';"),
    );
    expect(typecheck([broken]).ok).toBe(false);
  }, 60_000);

  it('never overwrites a file', async () => {
    const file = join(dir, 'taken.ts');
    writeFileSync(file, '// mine\n');
    const result = await distlab(['new', 'mutex-core', file]);
    expect(result.code).toBe(1);
    expect(result.output).toContain('exists already');
    expect(readFileSync(file, 'utf8')).toBe('// mine\n');
  }, 60_000);
});
