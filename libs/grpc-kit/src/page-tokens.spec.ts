import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { pageTokens } from './index';

describe('pageTokens', () => {
  const items = pageTokens('v1');
  const events = pageTokens('e1');
  const refused = expect.objectContaining({
    code: status.INVALID_ARGUMENT,
    message: expect.stringContaining('page_token was not issued by this server for this request'),
  });

  it('round-trips a position through an opaque token, and reads an empty token as the start', () => {
    const token = items.encode(1234);
    expect(token).not.toContain('1234');
    expect(items.decode(token)).toBe(1234);
    expect(items.decode('')).toBe(0);
    expect(items.decode(items.encode(7, 'filter=a'), 'filter=a')).toBe(7);
  });

  it('refuses, with INVALID_ARGUMENT, garbage, hand-made tokens and another method’s tokens', () => {
    const handMade = ['v1:0', 'v1:-3', 'v1:5'].map((text) => Buffer.from(text).toString('base64url'));
    for (const foreign of [
      'garbage!',
      events.encode(7),
      ...handMade,
      `${items.encode(5).split('.')[0]}.${'A'.repeat(22)}`,
    ]) {
      expect(() => items.decode(foreign)).toThrow(refused);
    }
  });

  it('refuses a token made for another scope (another query)', () => {
    expect(() => items.decode(items.encode(3, 'filter=a'), 'filter=b')).toThrow(refused);
    expect(() => items.decode(items.encode(3, 'filter=a'))).toThrow(refused);
  });

  it('refuses a token made by another process (another key), and accepts one from a replica sharing the key', () => {
    const otherProcess = pageTokens('v1', { key: randomBytes(32) });
    expect(() => items.decode(otherProcess.encode(3))).toThrow(refused);
    const shared = randomBytes(32);
    expect(pageTokens('v1', { key: shared }).decode(pageTokens('v1', { key: shared }).encode(3))).toBe(3);
  });
});
