import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { CLIENT_ADDRESS_HEADER } from '../registry/client-address';

/** gRPC status codes the proxy itself answers with. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNIMPLEMENTED: 12,
} as const;

/**
 * Headers that belong to one HTTP/2 hop and are never forwarded; the client address is set by the proxy alone (see
 * CLIENT_ADDRESS_HEADER), never taken from a client.
 */
const HOP_BY_HOP = new Set([
  CLIENT_ADDRESS_HEADER,
  'connection',
  'host',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/** The request headers to send upstream: everything but pseudo-headers and hop-by-hop ones. */
export function forwardableHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const forwarded: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (name[0] !== ':' && value !== undefined && !HOP_BY_HOP.has(name)) forwarded[name] = value;
  }
  return forwarded;
}

const TIMEOUT_UNITS_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

const TIMEOUT_PATTERN = /^(\d{1,8})([HMSmun])$/;

/** The deadline a grpc-timeout header sets (epoch ms), or undefined when there is none. */
export function deadlineFrom(header: string | string[] | undefined, nowMs: number): number | undefined {
  const match = typeof header === 'string' ? TIMEOUT_PATTERN.exec(header) : null;
  return match === null ? undefined : nowMs + Number(match[1]) * TIMEOUT_UNITS_MS[match[2]];
}

/** Whether a request's grpc-timeout header is absent or well formed (the gRPC spec: 1 to 8 digits and a unit). */
export function timeoutHeaderValid(header: string | string[] | undefined): boolean {
  return header === undefined || (typeof header === 'string' && TIMEOUT_PATTERN.test(header));
}

/** A grpc-timeout header for the time left until `deadlineMs`. */
export function timeoutHeader(deadlineMs: number, nowMs: number): string {
  return `${Math.max(1, Math.ceil(deadlineMs - nowMs))}m`;
}

/** Ends a call with a status and no messages (a gRPC "trailers-only" response). */
export function respondWithStatus(stream: ServerHttp2Stream, code: number, message: string): void {
  if (stream.destroyed || stream.closed) return;
  const headers = { 'grpc-status': String(code), 'grpc-message': encodeStatusMessage(message) };
  if (stream.headersSent) {
    stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...headers }, { endStream: true });
}

/** A status message as grpc-message carries it: percent-encoded, as the gRPC spec asks. */
export function encodeStatusMessage(message: string): string {
  return encodeURIComponent(message);
}
