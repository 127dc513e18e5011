// Benchmark (a): n! in decimal for n = 10^4, 10^5, 10^6 with the worker's engine (two threads; one thread and the
// gmp-wasm fallback for comparison) against the naive loop, with ratios. The naive loop runs in a child process stopped after
// NAIVE_LIMIT_MS; a stopped run is reported as a lower bound.
//
//   npx nx bench factorial-worker          BENCH_NAIVE_LIMIT_MS=60000 to let the naive 10^6 run longer
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { formatTable } from '@distlab/testing';
import { FactorialEngine } from '../src/compute/factorial-engine';

const NS = [10_000, 100_000, 1_000_000];
const RUNS = 3;
const NAIVE_LIMIT_MS = Number(process.env['BENCH_NAIVE_LIMIT_MS'] ?? 30_000);

async function timeEngine(engine: FactorialEngine, n: number): Promise<{ bestMs: number; digits: number }> {
  let bestMs = Infinity;
  let digits = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const startedAt = performance.now();
    digits = (await engine.factorial(n, new AbortController().signal)).length;
    bestMs = Math.min(bestMs, performance.now() - startedAt);
  }
  return { bestMs, digits };
}

function timeNaive(n: number): Promise<{ elapsedMs: number; finished: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'naive-factorial.ts'), String(n)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), NAIVE_LIMIT_MS);
    child.on('exit', () => {
      clearTimeout(timer);
      const result = output.trim() === '' ? undefined : (JSON.parse(output) as { elapsedMs: number });
      resolve(
        result === undefined
          ? { elapsedMs: NAIVE_LIMIT_MS, finished: false }
          : { elapsedMs: result.elapsedMs, finished: true },
      );
    });
  });
}

async function main(): Promise<void> {
  const twoThreads = new FactorialEngine({ threads: 2 });
  const oneThread = new FactorialEngine({ threads: 1, parallelFromN: Number.MAX_SAFE_INTEGER });
  const wasmTwoThreads = new FactorialEngine({ threads: 2, arithmetic: 'gmp-wasm' });
  const engines = [twoThreads, oneThread, wasmTwoThreads];
  const rows: Array<(string | number)[]> = [];
  let millionMs = 0;
  let arithmetic = '';
  try {
    for (const engine of engines) await engine.factorial(1000, new AbortController().signal); // Threads, JIT.
    arithmetic = await twoThreads.arithmetic();
    for (const n of NS) {
      const [parallel, single, wasm] = [
        await timeEngine(twoThreads, n),
        await timeEngine(oneThread, n),
        await timeEngine(wasmTwoThreads, n),
      ];
      const naive = await timeNaive(n);
      if (n === 1_000_000) millionMs = parallel.bestMs;
      const naiveCell = naive.finished ? Math.round(naive.elapsedMs) : `> ${NAIVE_LIMIT_MS} (stopped)`;
      const ratio = `${naive.finished ? '' : '> '}${(naive.elapsedMs / parallel.bestMs).toFixed(1)}x`;
      rows.push([
        n,
        parallel.digits,
        Math.round(parallel.bestMs),
        Math.round(single.bestMs),
        Math.round(wasm.bestMs),
        naiveCell,
        ratio,
      ]);
    }
  } finally {
    await Promise.all(engines.map((engine) => engine.close()));
  }
  process.stdout.write(`\nFactorial benchmark: best of ${RUNS} runs (ms), product and decimal conversion included\n`);
  const headers = [
    'n',
    'digits',
    `${arithmetic}, 2 threads`,
    `${arithmetic}, 1 thread`,
    'gmp-wasm, 2 threads',
    'naive loop',
    'naive / engine',
  ];
  process.stdout.write(`${formatTable(headers, rows)}\n`);
  process.stdout.write(
    `\ngoal: 10^6! in <= 1600 ms (${arithmetic}, 2 threads): ${Math.round(millionMs)} ms ${millionMs <= 1600 ? 'MET' : 'NOT MET'}\n`,
  );
}

void main();
