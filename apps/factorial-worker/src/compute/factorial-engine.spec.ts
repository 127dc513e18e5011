import { balancedSplit, estimateDigits, FactorialEngine } from './factorial-engine';

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
  parallelEngine = new FactorialEngine({ threads: 2, parallelFromN: 2 });
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

  it('stops when the signal aborts, and frees its threads for the next computation', async () => {
    const abort = new AbortController();
    const huge = engine.factorial(1_000_000, abort.signal);
    setTimeout(() => abort.abort(), 100);
    await expect(huge).rejects.toMatchObject({ name: 'AbortError' });
    expect(engine.activeComputations).toBe(0);
    expect(await engine.factorial(30, never)).toBe(naiveFactorial(30));
  });
});

describe('the size arithmetic', () => {
  it('estimates the digit count of n! exactly', async () => {
    for (const n of [0, 1, 9, 10, 24, 25, 100, 255, 256, 1000, 12_345, 60_000]) {
      expect(estimateDigits(n)).toBe((await engine.factorial(n, never)).length);
    }
  });

  it('splits the factors where the product halves in size', () => {
    const n = 1_000_000;
    const split = balancedSplit(n);
    let low = 0;
    let high = 0;
    for (let factor = 2; factor <= n; factor += 1) {
      if (factor <= split) low += Math.log2(factor);
      else high += Math.log2(factor);
    }
    expect(Math.abs(low - high) / (low + high)).toBeLessThan(0.001);
  });
});
