import { status } from '@grpc/grpc-js';
import { StatusError } from './status';

/** Encodes and decodes a list method's page tokens. */
export interface PageTokens {
  /** The token for the page that starts after `position`. */
  encode(position: number): string;
  /** The position after which the page starts: 0 for an empty token. Throws INVALID_ARGUMENT for a foreign token. */
  decode(token: string): number;
}

/**
 * Page tokens that are opaque to clients (base64url of "<tag>:<position>") and checked strictly, so that a token
 * this method did not produce is refused with INVALID_ARGUMENT rather than silently misread. The position is the
 * last key returned (an id, a sequence number): the next page starts after it, so paging stays stable while entries
 * are added or removed. Each list method uses its own tag, so one method's tokens are refused by another.
 */
export function pageTokens(tag: string): PageTokens {
  const format = new RegExp(`^${tag}:(\\d{1,16})$`);
  return {
    encode: (position) => Buffer.from(`${tag}:${position}`).toString('base64url'),
    decode: (token) => {
      if (token === '') return 0;
      const match = /^[A-Za-z0-9_-]+$/.test(token) ? format.exec(Buffer.from(token, 'base64url').toString()) : null;
      if (match === null) {
        throw new StatusError(
          status.INVALID_ARGUMENT,
          'page_token was not produced by this service (pass back next_page_token as is)',
        );
      }
      return Number(match[1]);
    },
  };
}
