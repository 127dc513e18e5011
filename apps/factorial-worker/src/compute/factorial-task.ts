/**
 * The work a pool thread does, one task at a time. Numbers cross threads as hexadecimal strings (linear-time both
 * ways in GMP); decimal conversion is the expensive step, which the engine splits so that both cores share it.
 *
 * Arithmetic is GMP: the system's libgmp through @distlab/gmp-native when it was built at install, otherwise GMP
 * compiled to WebAssembly (gmp-wasm), about three times slower here; V8's BigInt multiplies well but converts a
 * 5.5-million-digit number to decimal in about 5 s. Both backends answer to the same function names, so the code
 * below runs unchanged on either. n! itself is GMP's mpz_fac_ui (prime swing: about a third of the time of a balanced
 * product tree of the factors, and a tenth of the time of its decimal conversion); what is ours is the split of the
 * conversion between threads in factorial-engine.ts.
 */
import { loadSystemGmp, type GmpFunctions } from '@distlab/gmp-native';
import { init } from 'gmp-wasm';
import { workerData } from 'piscina';

/** Which GMP computes: the system's when it loads (`auto`, the default), or one of them by name. */
export type FactorialArithmetic = 'auto' | 'system-gmp' | 'gmp-wasm';

export type FactorialTask =
  | { kind: 'arithmetic' }
  | { kind: 'whole'; n: number }
  | { kind: 'split'; n: number; splitDigits: number }
  | { kind: 'decimal'; hex: string; padTo: number };

export type FactorialTaskResult = string | { quotientHex: string; remainderHex: string };

let gmp: Promise<{ name: string; functions: GmpFunctions }> | undefined;

/** The arithmetic this thread uses, loaded on its first task; `system-gmp` asked for but missing is an error. */
async function loadArithmetic(wanted: FactorialArithmetic): Promise<{ name: string; functions: GmpFunctions }> {
  if (wanted !== 'gmp-wasm') {
    const system = loadSystemGmp();
    if (system.ok) return { name: 'system-gmp', functions: system.gmp };
    if (wanted === 'system-gmp') throw new Error(`system GMP requested, but ${system.reason}`);
  }
  return { name: 'gmp-wasm', functions: (await init()).binding };
}

export default async function run(task: FactorialTask): Promise<FactorialTaskResult> {
  gmp ??= loadArithmetic((workerData as { arithmetic?: FactorialArithmetic } | undefined)?.arithmetic ?? 'auto');
  const g = (await gmp).functions;
  const numbers: number[] = [];
  const make = () => {
    const x = g.mpz_t();
    g.mpz_init(x);
    numbers.push(x);
    return x;
  };
  const fromHex = (hex: string) => {
    const x = make();
    g.mpz_set_string(x, hex, 16);
    return x;
  };

  const factorial = (n: number): number => {
    const result = make();
    g.mpz_fac_ui(result, n);
    return result;
  };

  try {
    switch (task.kind) {
      case 'arithmetic':
        return (await gmp).name;
      case 'whole':
        return g.mpz_to_string(factorial(task.n), 10);
      case 'split': {
        // n! = quotient·10^splitDigits + remainder: the two parts convert to decimal independently, on two threads.
        const power = make();
        g.mpz_ui_pow_ui(power, 10, task.splitDigits);
        const [quotient, remainder] = [make(), make()];
        g.mpz_tdiv_qr(quotient, remainder, factorial(task.n), power);
        return { quotientHex: g.mpz_to_string(quotient, 16), remainderHex: g.mpz_to_string(remainder, 16) };
      }
      case 'decimal':
        return g.mpz_to_string(fromHex(task.hex), 10).padStart(task.padTo, '0');
      default:
        throw new Error(`unknown factorial task ${JSON.stringify(task)}`);
    }
  } finally {
    for (const x of numbers) {
      g.mpz_clear(x);
      g.mpz_t_free(x);
    }
  }
}
