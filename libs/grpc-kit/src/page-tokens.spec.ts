import { status } from '@grpc/grpc-js';
import { pageTokens } from './index';

describe('pageTokens', () => {
  const items = pageTokens('v1');
  const events = pageTokens('e1');

  it('round-trips a position through an opaque token, and reads an empty token as the start', () => {
    const token = items.encode(1234);
    expect(token).not.toContain('1234');
    expect(items.decode(token)).toBe(1234);
    expect(items.decode('')).toBe(0);
  });

  it('refuses, with INVALID_ARGUMENT, garbage and another method’s tokens', () => {
    for (const foreign of ['garbage!', events.encode(7), Buffer.from('v1:-3').toString('base64url')]) {
      expect(() => items.decode(foreign)).toThrow(expect.objectContaining({ code: status.INVALID_ARGUMENT }));
    }
  });
});
