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
    // A handler that answers at once is answered in the same turn, as a bare grpc-js handler would: the promise hops
    // this used to take for every call (Promise.resolve().then(handler).then(callback)) cost more than the handler.
    unary: (handler) => (call, callback) => {
      let result: unknown;
      try {
        result = handler(call.request, call);
      } catch (error) {
        callback(statusOf(error).toStatus());
        return;
      }
      if (isPromiseLike(result)) {
        result.then(
          (response) => callback(null, response as never),
          (error: unknown) => callback(statusOf(error).toStatus()),
        );
      } else {
        callback(null, result as never);
      }
    },
    serverStream: (handler) => (call) => {
      const failed = (error: unknown) => {
        if (!call.cancelled) call.emit('error', statusOf(error).toStatus());
      };
      let result: Promise<void>;
      try {
        result = handler(call.request, call);
      } catch (error) {
        failed(error);
        return;
      }
      Promise.resolve(result).then(() => call.end(), failed);
    },
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
