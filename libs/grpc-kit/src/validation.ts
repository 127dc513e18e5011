import { status } from '@grpc/grpc-js';
import { StatusError } from './status';

/**
 * Input validation at the edge: each helper returns the cleaned value or throws a StatusError INVALID_ARGUMENT that
 * names the field and the rule, so that a caller can fix the request without reading the server's code.
 */

/** A required text field: trimmed, then between `min` and `max` characters (Unicode code points). */
export function requireText(value: string | undefined, field: string, limits: { min?: number; max: number }): string {
  const trimmed = (value ?? '').trim();
  const length = [...trimmed].length;
  const min = limits.min ?? 1;
  if (length < min) {
    throw new StatusError(
      status.INVALID_ARGUMENT,
      min === 1 ? `${field} must not be empty` : `${field} must have at least ${min} characters`,
    );
  }
  if (length > limits.max) {
    throw new StatusError(
      status.INVALID_ARGUMENT,
      `${field} must have at most ${limits.max} characters (got ${length})`,
    );
  }
  return trimmed;
}

/** An optional text field kept as sent (not trimmed), at most `max` characters. */
export function limitText(value: string | undefined, field: string, max: number): string {
  const text = value ?? '';
  const length = [...text].length;
  if (length > max) {
    throw new StatusError(status.INVALID_ARGUMENT, `${field} must have at most ${max} characters (got ${length})`);
  }
  return text;
}

/** A required sub-message. */
export function requirePresent<T>(value: T | undefined, field: string): T {
  if (value === undefined || value === null) {
    throw new StatusError(status.INVALID_ARGUMENT, `${field} is required`);
  }
  return value;
}

/** A count of items that must not exceed `max`. */
export function requireAtMost(count: number, field: string, max: number): void {
  if (count > max) {
    throw new StatusError(status.INVALID_ARGUMENT, `${field} must have at most ${max} entries (got ${count})`);
  }
}

/**
 * The largest logical counter (Lamport time, term, round, incarnation, fencing token) accepted from the wire: 2^52, far
 * enough below 2^53 that a counter can still count up exactly in a JavaScript number.
 */
export const COUNTER_MAX = 2 ** 52;

/**
 * A 64-bit counter from the wire (ts-proto gives uint64 as a decimal string) as an exact number: INVALID_ARGUMENT above
 * COUNTER_MAX, since a value a number cannot hold would be rounded, stop increasing, and not survive re-encoding.
 */
export function requireCounter(value: string, field: string): number {
  const counter = Number(value);
  if (!Number.isSafeInteger(counter) || counter < 0 || counter > COUNTER_MAX) {
    throw new StatusError(status.INVALID_ARGUMENT, `${field} must be 0 to 2^52, not ${value}`);
  }
  return counter;
}
