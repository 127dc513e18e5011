import { constants } from 'node:http2';
import { quoteClientInput } from '@distlab/grpc-kit';
import { GrpcStatus } from './grpc-wire';

/** The most request metadata (HTTP/2 header list size: names, values and 32 bytes per entry) the proxy forwards. */
export const MAX_METADATA_BYTES = 16 * 1024;

/** Why the proxy itself ends a call, instead of passing a backend's own status through. */
export type ProxyFailure =
  | { kind: 'not-grpc' }
  | { kind: 'metadata-too-large'; bytes: number }
  | { kind: 'bad-timeout'; value: string }
  | { kind: 'no-backend'; service: string; tried: number }
  | { kind: 'deadline' }
  | { kind: 'backend-lost'; responding: boolean }
  | { kind: 'stream-reset'; rstCode: number };

/**
 * The proxy's one status mapping: every status the proxy answers on its own account comes from here.
 *
 * The rule: a failure caused by the client's own request is answered with a definite client-error code (the client
 * must change the request, retrying it cannot help), and only a failure of the system (no backend, a backend lost)
 * with UNAVAILABLE, which tells the client it may retry. No message names an inner address: the client knows the
 * balancer only, and the backends' addresses are the operator's business (GetStats shows them). Client input quoted
 * in a message (a service name, a header value) is capped and escaped, so that no status message outgrows what a
 * strict client accepts in a header.
 */
export function proxyStatus(failure: ProxyFailure): { code: number; message: string } {
  switch (failure.kind) {
    case 'not-grpc':
      // Not a gRPC request at all (wrong method or content type): nothing here implements it.
      return { code: GrpcStatus.UNIMPLEMENTED, message: 'not a gRPC request: POST with content-type application/grpc' };
    case 'metadata-too-large':
      // Too much metadata is the client's doing; gRPC answers it RESOURCE_EXHAUSTED. Checked here, at the edge,
      // so that a backend never sees it: a backend refusing the stream is not mistaken for a backend that is down.
      return {
        code: GrpcStatus.RESOURCE_EXHAUSTED,
        message:
          `request metadata is ${failure.bytes} bytes, more than the ${MAX_METADATA_BYTES} bytes allowed: ` +
          'send large values in the request message instead',
      };
    case 'bad-timeout':
      // grpc-js answers INTERNAL and echoes the value; the fault is the client's, and the value is capped here.
      return {
        code: GrpcStatus.INVALID_ARGUMENT,
        message: `grpc-timeout ${quoteClientInput(failure.value, 40)} is not a timeout: 1 to 8 digits and a unit (H, M, S, m, u or n)`,
      };
    case 'no-backend':
      return {
        code: GrpcStatus.UNAVAILABLE,
        message: `no live backend for ${serviceForMessage(failure.service)}${failure.tried > 0 ? ` (tried ${failure.tried})` : ''}`,
      };
    case 'deadline':
      return { code: GrpcStatus.DEADLINE_EXCEEDED, message: 'deadline exceeded at the balancer' };
    case 'backend-lost':
      // The connection to the backend broke: the system's failure, so UNAVAILABLE, which the client may retry
      // (for methods that are safe to repeat: once a response had begun, the call may have run).
      return {
        code: GrpcStatus.UNAVAILABLE,
        message: failure.responding ? 'the backend went away while answering' : 'the backend could not be reached',
      };
    case 'stream-reset':
      return streamResetStatus(failure.rstCode);
  }
}

/**
 * A backend reset one stream on a healthy connection, before answering: the gRPC HTTP/2 spec's mapping of RST_STREAM
 * codes. A refused stream certainly did not run (UNAVAILABLE: try again); the others say this request could not be
 * handled (INTERNAL), or that the client sends too much (ENHANCE_YOUR_CALM: RESOURCE_EXHAUSTED).
 */
function streamResetStatus(rstCode: number): { code: number; message: string } {
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return { code: GrpcStatus.UNAVAILABLE, message: 'every backend tried refused the call' };
    case constants.NGHTTP2_CANCEL:
      return { code: GrpcStatus.CANCELLED, message: 'the backend cancelled the call' };
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return { code: GrpcStatus.RESOURCE_EXHAUSTED, message: 'the backend refused the call: too many requests' };
    default:
      return { code: GrpcStatus.INTERNAL, message: `the backend reset the call (HTTP/2 error ${rstCode})` };
  }
}

/** A service name as a message shows it: as sent when it looks like one, quoted and capped otherwise. */
function serviceForMessage(service: string): string {
  return /^[A-Za-z0-9_.]{1,200}$/.test(service) ? service : quoteClientInput(service);
}

/** The HTTP/2 header list size of a request's headers, as SETTINGS_MAX_HEADER_LIST_SIZE counts it. */
export function headerListBytes(rawHeaders: readonly string[]): number {
  let bytes = 0;
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    bytes += Buffer.byteLength(rawHeaders[index]) + Buffer.byteLength(rawHeaders[index + 1]) + 32;
  }
  return bytes;
}

/**
 * Longest grpc-message (percent-encoded) passed on from a backend; longer ones are cut at a whole escape. Room for a
 * message quoting a capped input (200 escaped characters, each up to 6 ASCII characters, percent-encoded), and half
 * of the 8 KB of metadata strict clients accept.
 */
const MAX_PASSED_MESSAGE_CHARS = 4096;

/** A backend's grpc-message, capped: a backend may echo a client's unbounded input (grpc-js does, for paths). */
export function capPassedMessage(message: string | string[] | undefined): string | undefined {
  if (typeof message !== 'string' || message.length <= MAX_PASSED_MESSAGE_CHARS) return message as string | undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(message);
  } catch {
    // Not valid percent-encoding: cut before the last escape that might be split, and let the client cope.
    const cut = message.slice(0, MAX_PASSED_MESSAGE_CHARS);
    const escape = cut.lastIndexOf('%');
    return `${escape > cut.length - 3 ? cut.slice(0, escape) : cut}...`;
  }
  // Cut whole characters, so that the message stays valid UTF-8, until its encoding fits.
  const characters = [...decoded];
  for (let count = Math.min(characters.length, MAX_PASSED_MESSAGE_CHARS); ; count = Math.floor(count * 0.8)) {
    const encoded = encodeURIComponent(`${characters.slice(0, count).join('')}...`);
    if (encoded.length <= MAX_PASSED_MESSAGE_CHARS || count === 0) return encoded;
  }
}
