import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';

export { status as Code };

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

  /** The status object grpc-js sends for this error. */
  toStatus(): Partial<StatusObject> {
    return { code: this.code, details: this.message, metadata: this.metadata };
  }
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
