import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DEBIAN_PYTHON } from '../../requirements';

// The GMP rows are only worth their ratio if a wrong answer cannot pass: factorial-bench.py's check, fed a stream as
// the Python client receives it, accepts 30!'s exact digits and refuses a changed digit or a gap in the offsets, loudly.

const SCRIPT = join(__dirname, 'factorial-bench.py');
const hasGmpy2 = spawnSync(DEBIAN_PYTHON, ['-c', 'import gmpy2'], { stdio: 'ignore' }).status === 0;
if (!hasGmpy2) console.warn(`factorial-bench.py check skipped: ${DEBIAN_PYTHON} cannot import gmpy2 (python3-gmpy2)`);

/** Runs the script's check on chunks of 30!'s digits, the `change` applied to them first. */
function checkChunks(change: string): { status: number | null; stderr: string } {
  const program = `
import importlib.util, types
spec = importlib.util.spec_from_file_location("factorial_bench", ${JSON.stringify(SCRIPT)})
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
digits = str(bench.gmpy2.fac(30))
chunks = [types.SimpleNamespace(digits=digits[i:i + 10], offset=i, digit_count=len(digits)) for i in range(0, len(digits), 10)]
${change}
bench.check(30, chunks, "".join(chunk.digits for chunk in chunks))
`;
  const result = spawnSync(DEBIAN_PYTHON, ['-c', program], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr.trim() };
}

(hasGmpy2 ? describe : describe.skip)("factorial-bench.py's digit check", () => {
  it('accepts the exact digits', () => {
    expect(checkChunks('')).toEqual({ status: 0, stderr: '' });
  });

  it('refuses a changed digit, saying where', () => {
    const changed = checkChunks('chunks[1].digits = "0" + chunks[1].digits[1:]');
    expect(changed.status).not.toBe(0);
    expect(changed.stderr).toContain("30! differs from GMP's at digit 10");
  });

  it('refuses a chunk whose offset leaves a gap', () => {
    const gap = checkChunks('chunks[2].offset += 1');
    expect(gap.status).not.toBe(0);
    expect(gap.stderr).toContain('chunk 2 of 30! says offset 21');
  });
});
