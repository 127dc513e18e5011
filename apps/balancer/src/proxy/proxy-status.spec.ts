import { constants } from 'node:http2';
import { capPassedMessage, headerListBytes, proxyStatus, type ProxyFailure } from './proxy-status';
import { GrpcStatus } from './grpc-wire';

describe("the proxy's status mapping", () => {
  it('answers client errors with client-error codes and only system failures with UNAVAILABLE', () => {
    const cases: Array<[ProxyFailure, number]> = [
      [{ kind: 'metadata-too-large', bytes: 65_467 }, GrpcStatus.RESOURCE_EXHAUSTED],
      [{ kind: 'bad-timeout', value: 'garbage' }, GrpcStatus.INVALID_ARGUMENT],
      [{ kind: 'not-grpc' }, GrpcStatus.UNIMPLEMENTED],
      [{ kind: 'no-backend', service: 'a.B', tried: 2 }, GrpcStatus.UNAVAILABLE],
      [{ kind: 'backend-lost', responding: false }, GrpcStatus.UNAVAILABLE],
      [{ kind: 'stream-reset', rstCode: constants.NGHTTP2_REFUSED_STREAM }, GrpcStatus.UNAVAILABLE],
      [{ kind: 'stream-reset', rstCode: constants.NGHTTP2_PROTOCOL_ERROR }, GrpcStatus.INTERNAL],
      [{ kind: 'stream-reset', rstCode: constants.NGHTTP2_ENHANCE_YOUR_CALM }, GrpcStatus.RESOURCE_EXHAUSTED],
    ];
    for (const [failure, code] of cases) {
      const answer = proxyStatus(failure);
      expect({ kind: failure.kind, code: answer.code }).toEqual({ kind: failure.kind, code });
      expect(answer.message).not.toMatch(/\d+\.\d+\.\d+\.\d+|:\d{2,5}\b/);
    }
  });

  it('caps the service name it quotes', () => {
    const { message } = proxyStatus({ kind: 'no-backend', service: 'ü'.repeat(10_000), tried: 0 });
    expect(message.length).toBeLessThan(1300);
    expect(proxyStatus({ kind: 'no-backend', service: 'a.B', tried: 1 }).message).toBe(
      'no live backend for a.B (tried 1)',
    );
  });

  it("cuts a backend's long grpc-message at a whole character", () => {
    expect(capPassedMessage('short')).toBe('short');
    const cut = capPassedMessage('%C3%BC'.repeat(2000))!;
    expect(cut.length).toBeLessThanOrEqual(4096);
    expect(decodeURIComponent(cut)).toMatch(/^ü+\.\.\.$/);
  });

  it('counts header list bytes as HTTP/2 does: name, value and 32 per entry', () => {
    expect(headerListBytes(['a', 'bc', 'def', ''])).toBe(1 + 2 + 32 + 3 + 0 + 32);
  });
});
