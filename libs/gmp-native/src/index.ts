/**
 * The system's GMP, through the binding in gmp_binding.c, behind the same function names as gmp-wasm's binding, so
 * that code written against `GmpFunctions` runs on either. `loadSystemGmp()` says why when the binding is missing
 * (not built at install: no compiler or no libgmp.so.10) so that callers can fall back and tell their users.
 */
import { join } from 'node:path';

/** The mpz functions both backends provide. Handles are numbers; mpz_t() reserves one, mpz_t_free() returns it. */
export interface GmpFunctions {
  mpz_t(): number;
  mpz_t_free(x: number): void;
  mpz_init(x: number): void;
  mpz_clear(x: number): void;
  mpz_set_ui(x: number, value: number): void;
  mpz_mul_ui(result: number, a: number, b: number): void;
  mpz_mul(result: number, a: number, b: number): void;
  /** n! by GMP's own algorithm (prime swing), several times faster than a product tree of the factors. */
  mpz_fac_ui(result: number, n: number): void;
  mpz_ui_pow_ui(result: number, base: number, exponent: number): void;
  mpz_tdiv_qr(quotient: number, remainder: number, n: number, d: number): void;
  mpz_to_string(x: number, base: number): string;
  mpz_set_string(x: number, text: string, base: number): number;
  /**
   * |x| as GMP's limbs in an ArrayBuffer, and back: the cheap way to hand a number to another thread (the buffer can
   * be transferred). The system GMP only; where absent (gmp-wasm), callers hand numbers over in hexadecimal.
   */
  mpz_to_bytes?(x: number): ArrayBuffer;
  mpz_from_bytes?(x: number, bytes: ArrayBuffer): void;
}

export type SystemGmp = { ok: true; gmp: GmpFunctions } | { ok: false; reason: string };

/** Where node-gyp puts the binding, from src/ (running from source) or dist/ (built) alike. */
export const BINDING_PATH = join(__dirname, '..', 'build', 'Release', 'distlab_gmp.node');

let loaded: SystemGmp | undefined;

/** Loads the binding once per thread (each worker thread gets its own instance and handle table). */
export function loadSystemGmp(): SystemGmp {
  loaded ??= load();
  return loaded;
}

function load(): SystemGmp {
  try {
    const binding = { exports: {} };
    process.dlopen(binding, BINDING_PATH);
    return { ok: true, gmp: binding.exports as GmpFunctions };
  } catch (error) {
    return { ok: false, reason: `the GMP binding did not load (${(error as Error).message.split('\n')[0]})` };
  }
}
