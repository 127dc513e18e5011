/**
 * The work a pool thread does, one task at a time. Numbers cross threads as GMP's limbs in a transferable buffer on
 * the system GMP, as hexadecimal strings on gmp-wasm (linear-time both ways); decimal conversion is the expensive step,
 * which the engine splits so that both cores share it.
 *
 * Arithmetic is GMP: the system's libgmp through @distlab/gmp-native when it was built at install, otherwise GMP
 * compiled to WebAssembly (gmp-wasm), about three times slower here; V8's BigInt multiplies well but converts a
 * 5.5-million-digit number to decimal in about 5 s. Both backends answer to the same function names, so the code
 * below runs unchanged on either. n! itself is GMP's mpz_fac_ui (prime swing: about a third of the time of a balanced
 * product tree of the factors, and a tenth of the time of its decimal conversion); what is ours is the split of the
 * conversion between threads in factorial-engine.ts.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { loadSystemGmp, type GmpFunctions } from '@distlab/gmp-native';
import { init } from 'gmp-wasm';
import { workerData } from 'piscina';
import { transferablesOf, type HandedNumber } from './handed-number';

/** Which GMP computes: the system's when it loads (`auto`, the default), or one of them by name. */
export type FactorialArithmetic = 'auto' | 'system-gmp' | 'gmp-wasm';

export type FactorialTask =
  | { kind: 'arithmetic' }
  | { kind: 'whole'; n: number }
  | { kind: 'power-of-ten'; exponent: number }
  | { kind: 'split-convert-high'; n: number; splitDigits: number; port: MessagePort }
  | { kind: 'decimal'; number: HandedNumber; padTo: number };

export type FactorialTaskResult = string | HandedNumber;

/** What the engine and a 'split-convert-high' task tell each other through the task's port. */
export type SplitMessage = { power: HandedNumber } | { remainder: HandedNumber };

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
  const handOver = (x: number): HandedNumber => (g.mpz_to_bytes ? g.mpz_to_bytes(x) : g.mpz_to_string(x, 16));
  const takeOver = (number: HandedNumber): number => {
    const x = make();
    if (typeof number === 'string') g.mpz_set_string(x, number, 16);
    else if (g.mpz_from_bytes) g.mpz_from_bytes(x, number);
    else throw new Error('a number in limbs reached a thread without the system GMP');
    return x;
  };

  const power = (exponent: number): number => {
    const result = make();
    g.mpz_ui_pow_ui(result, 10, exponent);
    return result;
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
      case 'power-of-ten':
        return handOver(power(task.exponent));
      case 'split-convert-high': {
        // n! = quotient·10^splitDigits + remainder. The remainder goes back through the port as soon as it is known,
        // for another thread to convert, while this one converts the quotient. 10^splitDigits is computed by another
        // thread meanwhile and is taken if it has arrived by now (it nearly always has: it is cheaper than n!).
        const whole = factorial(task.n);
        const arrived = receiveMessageOnPort(task.port)?.message as SplitMessage | undefined;
        const divisor = arrived && 'power' in arrived ? takeOver(arrived.power) : power(task.splitDigits);
        const [quotient, remainder] = [make(), make()];
        g.mpz_tdiv_qr(quotient, remainder, whole, divisor);
        const handed = handOver(remainder);
        task.port.postMessage({ remainder: handed } satisfies SplitMessage, transferablesOf(handed));
        return g.mpz_to_string(quotient, 10);
      }
      case 'decimal':
        return g.mpz_to_string(takeOver(task.number), 10).padStart(task.padTo, '0');
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
