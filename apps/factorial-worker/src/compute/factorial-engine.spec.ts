import { estimateDigits, FactorialEngine } from './factorial-engine';

/** The naive loop, as the reference for small n. */
function naiveFactorial(n: number): string {
  let product = 1n;
  for (let factor = 2n; factor <= BigInt(n); factor += 1n) product *= factor;
  return product.toString();
}

const never = new AbortController().signal;
let engine: FactorialEngine;
let parallelEngine: FactorialEngine;

beforeAll(() => {
  engine = new FactorialEngine({ threads: 2 });
  parallelEngine = new FactorialEngine({ threads: 2, parallelFromN: 2, lowPartShare: 0.5 });
});

afterAll(async () => {
  await Promise.all([engine.close(), parallelEngine.close()]);
});

describe('FactorialEngine', () => {
  it('computes n! exactly for small n, 0! and 1! included', async () => {
    for (const n of [0, 1, 2, 5, 12, 20, 25, 100, 1000]) {
      expect(await engine.factorial(n, never)).toBe(naiveFactorial(n));
    }
  });

  it('gives the same digits on the two-thread path as on the one-task path', async () => {
    for (const n of [2, 3, 10, 97, 1000, 4321]) {
      expect(await parallelEngine.factorial(n, never)).toBe(naiveFactorial(n));
    }
    const big = 60_000;
    expect(await parallelEngine.factorial(big, never)).toBe(await engine.factorial(big, never));
  });

  it('computes with the system GMP in CI, and gives the same digits on gmp-wasm', async () => {
    // npm ci builds @distlab/gmp-native; on a machine that cannot, 'auto' falls back to gmp-wasm.
    if (process.env.CI) expect(await engine.arithmetic()).toBe('system-gmp');
    const wasm = new FactorialEngine({ threads: 2, parallelFromN: 1000, arithmetic: 'gmp-wasm' });
    try {
      expect(await wasm.arithmetic()).toBe('gmp-wasm');
      for (const n of [0, 1, 97, 4321]) expect(await wasm.factorial(n, never)).toBe(naiveFactorial(n));
      expect(await wasm.factorial(60_000, never)).toBe(await engine.factorial(60_000, never));
    } finally {
      await wasm.close();
    }
  });

  it('yields the digits high part first, every part knowing the total, the low part zero-padded', async () => {
    // 100004! has 456594 digits; split in the middle, its low 228297 digits start with two zeros, which the padding
    // must keep.
    const n = 100_004;
    const whole = await engine.factorial(n, never);
    expect(whole.slice(whole.length - 228_297, whole.length - 228_295)).toBe('00');
    const parts = [];
    for await (const part of parallelEngine.decimalParts(n, never)) parts.push(part);
    expect(parts[1].digits.length).toBe(228_297);
    expect(parts.length).toBe(2);
    expect(parts.map((part) => part.totalDigits)).toEqual([whole.length, whole.length]);
    expect(parts.map((part) => part.digits).join('')).toBe(whole);
  });

  it('frees the computation when its reader stops after the high part', async () => {
    const parts = parallelEngine.decimalParts(100_004, never);
    const high = await parts.next();
    expect(high.done).toBe(false);
    await parts.return(undefined);
    expect(parallelEngine.activeComputations).toBe(0);
    expect(await parallelEngine.factorial(97, never)).toBe(naiveFactorial(97));
  });

  it('stops when the signal aborts, and frees its threads for the next computation', async () => {
    const abort = new AbortController();
    const huge = engine.factorial(1_000_000, abort.signal);
    setTimeout(() => abort.abort(), 100);
    await expect(huge).rejects.toMatchObject({ name: 'AbortError' });
    expect(engine.activeComputations).toBe(0);
    expect(await engine.factorial(30, never)).toBe(naiveFactorial(30));
  });
});

describe('FactorialEngine, small computations cancelled', () => {
  it('answers the abort at once and keeps its threads: a cancelled small call costs no thread restart', async () => {
    const before = engine.threadIds;
    const cancelled = Array.from({ length: 16 }, () => {
      const abort = new AbortController();
      const computation = engine.factorial(10, abort.signal);
      setImmediate(() => abort.abort());
      return computation;
    });
    const outcomes = await Promise.allSettled(cancelled);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ name: 'AbortError' });
      else expect(outcome.value).toBe('3628800'); // Finished before the abort came.
    }
    expect(await engine.factorial(10, never)).toBe('3628800');
    expect(engine.threadIds).toEqual(before);
  });
});

describe('the size arithmetic', () => {
  it('estimates the digit count of n! exactly', async () => {
    for (const n of [0, 1, 9, 10, 24, 25, 100, 255, 256, 1000, 12_345, 60_000]) {
      expect(estimateDigits(n)).toBe((await engine.factorial(n, never)).length);
    }
  });
});
