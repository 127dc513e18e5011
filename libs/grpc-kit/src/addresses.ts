import { quoteClientInput } from './quoting';
import { Code, StatusError } from './status';

/** A DNS name (letters, digits, hyphens, dots), an IPv4 address, or an IPv6 address in brackets; then a port. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):(\d{1,5})$/;
/** How much of a refused address an error message quotes. */
const QUOTED_MAX = 80;

/**
 * Checks that `value` is an address a channel can dial, `host:port` with a port from 1 to 65535, and returns it; an
 * address a peer or the registry hands to others is checked where it comes in, so that a bad one (`a\0:1`,
 * `host:99999`) is refused with INVALID_ARGUMENT instead of failing every later dial.
 */
export function requireHostPort(value: string, field: string): string {
  const match = HOST_PORT.exec(value);
  const port = match === null ? 0 : Number(match[2]);
  if (match === null || port < 1 || port > 65_535)
    throw new StatusError(
      Code.INVALID_ARGUMENT,
      `${field} must be host:port (a DNS name, IPv4 address or [IPv6] address, and a port from 1 to 65535), not ${quoteClientInput(value, QUOTED_MAX)}`,
    );
  return value;
}
