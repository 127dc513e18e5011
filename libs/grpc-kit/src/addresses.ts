import { quoteClientInput } from './quoting';
import { Code, StatusError } from './status';

/** A DNS name (letters, digits, hyphens, dots), an IPv4 address, or an IPv6 address in brackets; then a port. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):(\d{1,5})$/;

/**
 * Checks that `value` is an address a channel can dial, `host:port` with a port from 1 to 65535, and returns it; an
 * address a peer or the registry hands to others is checked where it comes in, so that a bad one (`a\0:1`,
 * `host:99999`) is refused with INVALID_ARGUMENT instead of failing every later dial.
 */
export function requireHostPort(value: string, field: string): string {
  if (!isHostPort(value))
    throw new StatusError(
      Code.INVALID_ARGUMENT,
      `${field} must be host:port with a port from 1 to 65535 (got ${quoteClientInput(value)})`,
    );
  return value;
}

/** Whether `value` is a dialable `host:port` (see requireHostPort), for input that is a hint rather than a demand. */
export function isHostPort(value: string): boolean {
  const match = HOST_PORT.exec(value);
  const port = match === null ? 0 : Number(match[2]);
  return match !== null && port >= 1 && port <= 65_535;
}
