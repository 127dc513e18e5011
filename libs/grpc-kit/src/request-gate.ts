import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { status, type Server } from '@grpc/grpc-js';
import { quoteClientInput } from './quoting';

/** The gRPC spec's grpc-timeout: 1 to 8 digits and a unit. */
const TIMEOUT_PATTERN = /^\d{1,8}[HMSmun]$/;
/** A path a kit server could implement: "/package.Service/Method" in printable ASCII, and not absurdly long. */
const PLAUSIBLE_PATH = /^\/[\x21-\x7e]{1,300}$/;

type StreamListener = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ...rest: unknown[]) => void;

/**
 * What the gate answers itself, before grpc-js sees the request; undefined lets the request through.
 *
 * Why: grpc-js answers a malformed grpc-timeout INTERNAL (the client's fault, not the server's) and echoes the value,
 * and echoes any unknown path in full in its UNIMPLEMENTED message, so a client could make a status message tens of
 * kilobytes long (strict clients such as grpcio then fail that call and the next ones on the connection). The gate
 * answers these with the right code and a capped quote instead.
 */
export function gateRefusal(headers: IncomingHttpHeaders): { code: status; message: string } | undefined {
  const timeout = headers['grpc-timeout'];
  if (timeout !== undefined && (typeof timeout !== 'string' || !TIMEOUT_PATTERN.test(timeout))) {
    return {
      code: status.INVALID_ARGUMENT,
      message: `grpc-timeout ${quoteClientInput(String(timeout), 40)} is not a timeout: 1 to 8 digits and a unit (H, M, S, m, u or n)`,
    };
  }
  const path = headers[':path'] ?? '';
  if (!PLAUSIBLE_PATH.test(path)) {
    return { code: status.UNIMPLEMENTED, message: `no method ${quoteClientInput(path)} here` };
  }
  return undefined;
}

/** The gate in front of a grpc-js server: `refuseNewCalls` starts a drain; `installed` is false if grpc-js changed. */
export interface RequestGate {
  readonly installed: boolean;
  /**
   * From now on, refuse every new call except health and reflection with RST_STREAM REFUSED_STREAM (HTTP/2's "not
   * processed: send it elsewhere", which clients and the balancer retry safely), and stop accepting connections;
   * calls in flight go on undisturbed.
   */
  refuseNewCalls(): void;
}

/** Calls a draining server still answers: probes must see NOT_SERVING, and tools may still describe the server. */
const ANSWERED_WHILE_DRAINING = ['/grpc.health.v1.Health/', '/grpc.reflection.'];

/**
 * Puts the gate in front of grpc-js on every HTTP/2 server a bound grpc-js Server listens with. grpc-js offers no
 * public hook before its own header handling, so this wraps its "stream" listeners (held in the private
 * `http2Servers` map of grpc-js 1.14); `installed` is false when that map is not there, which the kit's test catches
 * on an upgrade of grpc-js.
 */
export function installRequestGate(server: Server): RequestGate {
  const http2Servers = (server as unknown as { http2Servers?: Map<Http2ServerLike, unknown> }).http2Servers;
  let draining = false;
  if (!(http2Servers instanceof Map)) return { installed: false, refuseNewCalls: () => undefined };
  for (const http2Server of http2Servers.keys()) {
    const listeners = http2Server.listeners('stream') as StreamListener[];
    http2Server.removeAllListeners('stream');
    // grpc-js registers one listener: call it directly rather than through a loop on every call.
    const only = listeners.length === 1 ? listeners[0] : undefined;
    // Fixed parameters (http2's "stream" event passes these four) rather than a rest array: this runs for every call.
    http2Server.on(
      'stream',
      (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: unknown, raw: unknown) => {
        const path = headers[':path'] ?? '';
        if (draining && !ANSWERED_WHILE_DRAINING.some((prefix) => path.startsWith(prefix))) {
          stream.on('error', () => undefined);
          stream.close(constants.NGHTTP2_REFUSED_STREAM);
          return;
        }
        const refusal = gateRefusal(headers);
        if (refusal === undefined) {
          if (only !== undefined) only.call(http2Server, stream, headers, flags, raw);
          else for (const listener of listeners) listener.call(http2Server, stream, headers, flags, raw);
          return;
        }
        respondWithStatus(stream, refusal);
      },
    );
  }
  return {
    installed: true,
    refuseNewCalls: () => {
      draining = true;
      // Stop accepting connections (existing ones go on): grpc-js closes these servers again on shutdown, and a
      // second close only reports that the server was not running.
      for (const http2Server of http2Servers.keys()) http2Server.close();
    },
  };
}

type Http2ServerLike = NodeJS.EventEmitter & { close(callback?: () => void): void };

function respondWithStatus(stream: ServerHttp2Stream, refusal: { code: status; message: string }): void {
  stream.on('error', () => undefined);
  if (stream.destroyed || stream.headersSent) return;
  stream.respond(
    {
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': String(refusal.code),
      'grpc-message': encodeURIComponent(refusal.message),
    },
    { endStream: true },
  );
  // The request body, if any, is not read: let it go so that the stream closes at once.
  stream.resume();
}
