import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';

export { status as Code };

/**
 * The longest status message a handler sends; a longer one is cut, with "...". A status message travels in the
 * trailers: a message quoting 100,000 characters of a request (the registry once did, with a lease id) made a 100 KB
 * trailer block, on which a grpc-js client hangs, together with every other call on its connection, until its
 * keepalive gives up on the connection. Messages built as the kit asks (client input through quoteClientInput) stay
 * far below this; the cap is there for the one that does not.
 */
export const STATUS_MESSAGE_MAX_CHARS = 2048;

/**
 * The one error type that handlers throw when they have decided the gRPC status themselves (input validation at the
 * edge, or a service's mapping of its domain errors). Anything else that escapes a handler is a bug and is answered
 * INTERNAL without leaking its message.
 */
export class StatusError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly metadata: Metadata = new Metadata(),
  ) {
    super(message);
    this.name = 'StatusError';
  }

  /** The status object grpc-js sends for this error, its message capped at STATUS_MESSAGE_MAX_CHARS. */
  toStatus(): Partial<StatusObject> {
    return { code: this.code, details: capped(this.message), metadata: this.metadata };
  }
}

/** A message cut to STATUS_MESSAGE_MAX_CHARS, never inside a surrogate pair (a lone half cannot be percent-encoded). */
function capped(message: string): string {
  if (message.length <= STATUS_MESSAGE_MAX_CHARS) return message;
  const splitsPair = /[\uD800-\uDBFF]/.test(message[STATUS_MESSAGE_MAX_CHARS - 1]);
  return `${message.slice(0, STATUS_MESSAGE_MAX_CHARS - (splitsPair ? 1 : 0))}...`;
}

/**
 * Maps a service's domain errors to gRPC statuses; returns undefined for errors it does not know. Each service has
 * exactly one, commented, so that every status decision of that service is in one place.
 */
export type ErrorMapper = (error: unknown) => StatusError | undefined;

/** Turns whatever a handler threw into a status, using the service's mapper first. */
export function toStatusError(error: unknown, mapError?: ErrorMapper): StatusError {
  if (error instanceof StatusError) return error;
  const mapped = mapError?.(error);
  if (mapped !== undefined) return mapped;
  return new StatusError(status.INTERNAL, 'internal error (logged on the server)');
}

/**
 * A failure shaped as grpc-js reports a call's (message "14 UNAVAILABLE: details"), for what fails on the client side
 * without a call, or inside a stream: callers then judge it as they judge a call's.
 */
export function serviceError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${codeName(code)}: ${details}`), { code, details, metadata: new Metadata() });
}

/** True when a client-side error is a grpc-js ServiceError (it carries a status code). */
export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

/** The name of a status code, such as "INVALID_ARGUMENT", for logs and CLI output. */
export function codeName(code: status): string {
  return status[code] ?? `UNKNOWN_CODE_${code}`;
}
