import { loadSystemGmp, type GmpFunctions } from './index';

const loaded = loadSystemGmp();

describe('the system GMP binding', () => {
  // CI builds it from a clean clone (npm ci runs build-native.mjs); a machine without a compiler or libgmp.so.10
  // installs without it, and the factorial worker falls back to gmp-wasm.
  (process.env.CI ? it : it.skip)('is built and loads in CI', () => {
    expect(loaded).toEqual({ ok: true, gmp: expect.anything() });
  });

  const whenLoaded = loaded.ok ? it : it.skip;
  const gmp = (): GmpFunctions => (loaded as { gmp: GmpFunctions }).gmp;
  const make = (): number => {
    const x = gmp().mpz_t();
    gmp().mpz_init(x);
    return x;
  };

  whenLoaded('multiplies, raises and divides as BigInt does', () => {
    const [a, b, product, power, quotient, remainder] = Array.from({ length: 6 }, make);
    gmp().mpz_set_ui(a, 1);
    let expected = 1n;
    for (let factor = 2; factor <= 300; factor += 1) {
      gmp().mpz_mul_ui(a, a, factor);
      expected *= BigInt(factor);
    }
    expect(gmp().mpz_to_string(a, 10)).toBe(expected.toString());
    expect(gmp().mpz_set_string(b, 'fedcba9876543210fedcba9876543210', 16)).toBe(0);
    gmp().mpz_mul(product, a, b);
    expect(gmp().mpz_to_string(product, 16)).toBe((expected * 0xfedcba9876543210fedcba9876543210n).toString(16));
    gmp().mpz_ui_pow_ui(power, 10, 100);
    gmp().mpz_tdiv_qr(quotient, remainder, product, power);
    const whole = expected * 0xfedcba9876543210fedcba9876543210n;
    expect(gmp().mpz_to_string(quotient, 10)).toBe((whole / 10n ** 100n).toString());
    expect(gmp().mpz_to_string(remainder, 10)).toBe((whole % 10n ** 100n).toString());
    gmp().mpz_fac_ui(b, 300);
    expect(gmp().mpz_to_string(b, 10)).toBe(expected.toString());
    for (const source of [a, product, quotient, remainder]) {
      const bytes = gmp().mpz_to_bytes!(source);
      expect(bytes.byteLength % 8).toBe(0);
      gmp().mpz_from_bytes!(b, bytes);
      expect(gmp().mpz_to_string(b, 16)).toBe(gmp().mpz_to_string(source, 16));
    }
    gmp().mpz_set_ui(b, 0);
    expect(gmp().mpz_to_bytes!(b).byteLength).toBe(8);
    gmp().mpz_from_bytes!(a, new ArrayBuffer(0));
    expect(gmp().mpz_to_string(a, 10)).toBe('0');
    expect(() => gmp().mpz_from_bytes!(a, new ArrayBuffer(3))).toThrow('multiple of 8');
    for (const x of [a, b, product, power, quotient, remainder]) {
      gmp().mpz_clear(x);
      gmp().mpz_t_free(x);
    }
  });

  whenLoaded('reuses freed handles and refuses dead or malformed ones with a clear error', () => {
    const x = make();
    gmp().mpz_clear(x);
    gmp().mpz_t_free(x);
    expect(() => gmp().mpz_set_ui(x, 1)).toThrow('mpz_set_ui: not a live handle');
    expect(() => gmp().mpz_t_free(x)).toThrow('mpz_t_free: not a live handle');
    expect(() => gmp().mpz_mul_ui(-1, 0, 0)).toThrow('expected 3 unsigned integer arguments');
    expect(() => gmp().mpz_to_string(1.5, 10)).toThrow('mpz_to_string: expected (handle, base)');
    const y = make();
    expect(y).toBe(x);
    expect(gmp().mpz_set_string(y, 'not hex', 16)).toBe(-1);
    expect(() => gmp().mpz_set_string(Number.NaN, 'ff', 16)).toThrow('mpz_set_string: not a live handle');
    expect(() => gmp().mpz_set_string(y, 'ff', Number.NaN)).toThrow('mpz_set_string: base must be 2..36');
    expect(() => gmp().mpz_to_string(y, 37)).toThrow('base must be 2..36');
    const zero = make();
    expect(() => gmp().mpz_tdiv_qr(y, y, y, zero)).toThrow('division by zero');
    gmp().mpz_clear(y);
    gmp().mpz_t_free(y);
    gmp().mpz_clear(zero);
    gmp().mpz_t_free(zero);
  });
});
