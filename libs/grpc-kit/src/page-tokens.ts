import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { StatusError } from './status';

/** Encodes and decodes a list method's page tokens. */
export interface PageTokens {
  /**
   * The token for the page that starts after `position`. `scope` names what else the token is valid for, beyond the
   * method (a filter, a query): a token is accepted back only with the same scope.
   */
  encode(position: number, scope?: string): string;
  /**
   * The position after which the page starts: 0 for an empty token. Throws INVALID_ARGUMENT for a token this process
   * did not make for this method and scope.
   */
  decode(token: string, scope?: string): number;
}

export interface PageTokenOptions {
  /**
   * The signing key. Defaults to a random key made once per process, so a token is valid only on the process that
   * issued it (a restarted server refuses the tokens of its previous run: the client lists again from the start).
   * Replicas that must accept each other's tokens share a key.
   */
  key?: Buffer;
}

/** This process's page-token key: random, so that no other process (and no client) can make a token it accepts. */
const PROCESS_KEY = randomBytes(32);
/** Bytes of the HMAC-SHA256 kept in a token: 128 bits, beyond guessing. */
const MAC_BYTES = 16;
const TOKEN_FORMAT = /^([A-Za-z0-9_-]{1,24})\.([A-Za-z0-9_-]{22})$/;

/**
 * Page tokens that are opaque to clients and bound to what issued them: "<position>.<mac>" in base64url, where the
 * mac is an HMAC of the tag, the scope and the position under a per-process key. A token is refused with
 * INVALID_ARGUMENT, as the contracts say, when it was made by hand (base64url of "v1:0"), by another method (another
 * tag), for another query (another scope), or by another server or peer (another key), rather than silently misread.
 * The position is the last key returned (an id, a sequence number): the next page starts after it, so paging stays
 * stable while entries are added or removed.
 */
export function pageTokens(tag: string, options: PageTokenOptions = {}): PageTokens {
  const key = options.key ?? PROCESS_KEY;
  const mac = (position: string, scope: string) =>
    createHmac('sha256', key).update(`${tag}\n${scope}\n${position}`).digest().subarray(0, MAC_BYTES);
  return {
    encode: (position, scope = '') => {
      const text = String(position);
      return `${Buffer.from(text).toString('base64url')}.${mac(text, scope).toString('base64url')}`;
    },
    decode: (token, scope = '') => {
      if (token === '') return 0;
      const match = TOKEN_FORMAT.exec(token);
      const position = match === null ? '' : Buffer.from(match[1], 'base64url').toString();
      const given = match === null ? Buffer.alloc(0) : Buffer.from(match[2], 'base64url');
      if (!/^\d{1,16}$/.test(position) || given.length !== MAC_BYTES || !timingSafeEqual(given, mac(position, scope))) {
        throw new StatusError(
          status.INVALID_ARGUMENT,
          'page_token was not issued by this server for this request (pass back next_page_token as is)',
        );
      }
      return Number(position);
    },
  };
}
