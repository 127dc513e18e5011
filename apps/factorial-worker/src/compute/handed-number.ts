/**
 * How a number crosses between threads: GMP's limbs in an ArrayBuffer on the system GMP (transferred, so neither
 * converted nor copied), hexadecimal on gmp-wasm (linear-time both ways). Kept apart from the task module so that the
 * engine, on the main thread, can use it without loading the arithmetic.
 */

/** A number on its way to another thread. */
export type HandedNumber = ArrayBuffer | string;

/** The buffers to transfer (not copy) with a message carrying `number`. */
export function transferablesOf(number: HandedNumber): ArrayBuffer[] {
  return typeof number === 'string' ? [] : [number];
}
