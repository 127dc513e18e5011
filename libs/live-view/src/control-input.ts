import { Code, StatusError } from '@distlab/grpc-kit';
import type { LiveSystem } from './live-system';

/** Throws INVALID_ARGUMENT with `message` unless `condition` holds: the page's input is checked like any client's. */
export function requireInput(condition: boolean, message: string): asserts condition {
  if (!condition) throw new StatusError(Code.INVALID_ARGUMENT, message);
}

export function isInteger(value: unknown, min: number, max: number): boolean {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= min && number <= max;
}

export function isNumberIn(value: unknown, min: number, max: number): boolean {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= min && number <= max;
}

/** The member named by `input.peer`, or NOT_FOUND. */
export function peerOf(input: Record<string, unknown>, system: LiveSystem): { id: number; address: string } {
  requireInput(isInteger(input['peer'], 1, 1_000_000), 'a peer id is a positive integer');
  const id = Number(input['peer']);
  const address = system.peerAddress(id);
  if (address === undefined) throw new StatusError(Code.NOT_FOUND, `peer-${id} is not a member`);
  return { id, address };
}

/** A list of member ids: [1,2] or "1,2". */
export function peerList(value: unknown, system: LiveSystem): number[] {
  const parts = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  requireInput(parts.length > 0 && parts.length <= 64, 'a set of peers is like 1,2,3');
  return parts.map((part) => peerOf({ peer: typeof part === 'string' ? part.trim() : part }, system).id);
}
