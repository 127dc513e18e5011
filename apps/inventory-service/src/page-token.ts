import { Code, StatusError } from '@distlab/grpc-kit';

/**
 * Page tokens for ListItems: opaque to clients (base64url), and checked strictly so that a token this service did
 * not produce is refused with INVALID_ARGUMENT rather than silently misread. A token names the last id returned; the
 * next page starts after it, so paging is stable while items are added or deleted.
 */
const FORMAT = /^v1:(\d{1,16})$/;

export function encodePageToken(lastId: number): string {
  return Buffer.from(`v1:${lastId}`).toString('base64url');
}

/** The id after which the page starts: 0 for an empty token. */
export function decodePageToken(token: string): number {
  if (token === '') return 0;
  const match = /^[A-Za-z0-9_-]+$/.test(token) ? FORMAT.exec(Buffer.from(token, 'base64url').toString()) : null;
  if (match === null) {
    throw new StatusError(
      Code.INVALID_ARGUMENT,
      'page_token was not produced by this service (pass back next_page_token as is)',
    );
  }
  return Number(match[1]);
}
