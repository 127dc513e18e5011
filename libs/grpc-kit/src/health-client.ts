import { makeClientConstructor, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { createClient, type ClientConstructor, type ClientSettings } from './client';

/** A grpc.health.v1 serving status, as the health service reports it. */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** The grpc.health.v1.Health client (grpc-health-check ships the service definition; this types its methods). */
export interface HealthClient extends Client {
  check(
    request: { service: string },
    callback: (error: ServiceError | null, response: { status: ServingStatus }) => void,
  ): unknown;
  watch(request: { service: string }): ClientReadableStream<{ status: ServingStatus }>;
  list(
    request: Record<string, never>,
    callback: (error: ServiceError | null, response: { statuses: Record<string, { status: ServingStatus }> }) => void,
  ): unknown;
}

let healthClientConstructor: ClientConstructor<HealthClient> | undefined;

/**
 * The client class, made on first use: grpc-health-check parses its .proto file when it is loaded, tens of
 * milliseconds that a command which never checks health (most of the CLI's) should not pay at start-up.
 */
function healthClientClass(): ClientConstructor<HealthClient> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { service } = require('grpc-health-check') as typeof import('grpc-health-check');
  healthClientConstructor ??= Object.assign(makeClientConstructor(service, 'grpc.health.v1.Health'), {
    serviceName: 'grpc.health.v1.Health',
  }) as unknown as ClientConstructor<HealthClient>;
  return healthClientConstructor;
}

/** A health client with the kit's defaults (deadline, TLS, token). */
export function createHealthClient(target: string, settings: ClientSettings = {}): HealthClient {
  return createClient(healthClientClass(), target, settings);
}

/** Checks one service ("" for the server as a whole). Rejects with the ServiceError when the server cannot answer. */
export function checkHealth(client: HealthClient, service = ''): Promise<ServingStatus> {
  return new Promise((resolve, reject) => {
    client.check({ service }, (error, response) => (error ? reject(error) : resolve(response.status)));
  });
}

/** Every service the server reports, with its status. */
export function listHealth(client: HealthClient): Promise<Record<string, ServingStatus>> {
  return new Promise((resolve, reject) => {
    client.list({}, (error, response) =>
      error
        ? reject(error)
        : resolve(Object.fromEntries(Object.entries(response.statuses).map(([name, entry]) => [name, entry.status]))),
    );
  });
}
