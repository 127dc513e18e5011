import {
  status,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerUnaryCall,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import type { Logger } from './logger';
import { StatusError, toStatusError, type ErrorMapper } from './status';

/**
 * Adapters from async handlers (return a response, throw an error) to grpc-js's callback style. Every error goes
 * through the service's one ErrorMapper; an error nobody mapped is a bug, logged with its stack and answered INTERNAL.
 */
export interface Handlers {
  unary<Req, Res>(
    handler: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res,
  ): handleUnaryCall<Req, Res>;
  serverStream<Req, Res>(
    handler: (request: Req, call: ServerWritableStream<Req, Res>) => Promise<void>,
  ): handleServerStreamingCall<Req, Res>;
  /** The status a thrown error maps to (for bidirectional streams, which end themselves). */
  statusOf(error: unknown): StatusError;
}

export function createHandlers(options: { logger: Logger; mapError?: ErrorMapper }): Handlers {
  const statusOf = (error: unknown): StatusError => {
    const mapped = toStatusError(error, options.mapError);
    if (mapped.code === status.INTERNAL && !(error instanceof StatusError)) {
      options.logger.error({ err: error }, 'unexpected error in a handler');
    }
    return mapped;
  };
  return {
    statusOf,
    unary: (handler) => (call, callback) => {
      Promise.resolve()
        .then(() => handler(call.request, call))
        .then(
          (response) => callback(null, response),
          (error: unknown) => callback(statusOf(error).toStatus()),
        );
    },
    serverStream: (handler) => (call) => {
      Promise.resolve()
        .then(() => handler(call.request, call))
        .then(
          () => call.end(),
          (error: unknown) => {
            if (!call.cancelled) call.emit('error', statusOf(error).toStatus());
          },
        );
    },
  };
}
