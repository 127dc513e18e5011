import {
  Server,
  type ServerInterceptor,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { KEEPALIVE_SERVER_OPTIONS } from './keepalive';
import { observeCalls } from './call-observer';
import { bearerTokenInterceptor, callLogObserver, InFlightCalls } from './interceptors';
import type { Logger } from './logger';
import { metricsObserver } from './metrics';
import { addReflection } from './reflection';
import { installRequestGate, type RequestGate } from './request-gate';
import { serverCredentials, type ServerTlsFiles } from './tls';

/** A service to host: a generated definition (e.g. GreeterServiceService) and its implementation. */
export interface HostedService {
  // The generated definitions are typed per method; grpc-js itself takes them untyped.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: ServiceDefinition<any>;
  implementation: UntypedServiceImplementation;
}

export interface StartServerOptions {
  /** Listen address host, e.g. "127.0.0.1" or "0.0.0.0". */
  host: string;
  /** Listen port; 0 picks a free one. */
  port: number;
  services: readonly HostedService[];
  logger: Logger;
  tls?: ServerTlsFiles;
  /** When set, every call except health must carry "authorization: Bearer <token>". */
  token?: string;
  /** Largest message accepted or sent; larger ones fail with RESOURCE_EXHAUSTED. */
  maxMessageBytes?: number;
  /** Log the "serving" line (default true); a process that fronts this server announces its own address instead. */
  announce?: boolean;
  /** The service's own interceptors, run after the call log and auth (so unauthenticated calls never reach them). */
  interceptors?: readonly ServerInterceptor[];
}

/** A hook a service registers to end its long-lived streams when the server drains. */
export type DrainHook = () => void | Promise<void>;

export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The fully qualified service name of a generated definition, read from its first method's path. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function serviceNameOf(definition: ServiceDefinition<any>): string {
  const [first] = Object.values(definition);
  if (first === undefined) throw new Error('a service definition without methods');
  return first.path.split('/')[1];
}

/**
 * A running gRPC server with health (grpc.health.v1: Check, Watch, List), reflection, one JSON log line per call,
 * optional TLS and bearer-token auth.
 */
export class RunningServer {
  private readonly drainHooks: DrainHook[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    readonly server: Server,
    readonly port: number,
    readonly host: string,
    readonly health: HealthImplementation,
    readonly serviceNames: readonly string[],
    readonly logger: Logger,
    private readonly inFlight: InFlightCalls,
    private readonly gate?: RequestGate,
  ) {}

  /** host:port to dial, e.g. "127.0.0.1:50051". */
  get address(): string {
    const host = this.host === '0.0.0.0' ? '127.0.0.1' : this.host === '::' ? '::1' : this.host;
    return `${bracketed(host)}:${this.port}`;
  }

  /** Sets the health status of the server as a whole ("") and of every hosted service. */
  setServing(serving: boolean): void {
    const value = serving ? 'SERVING' : 'NOT_SERVING';
    for (const name of ['', ...this.serviceNames]) this.health.setStatus(name, value);
  }

  /** Registers a hook run when draining starts: services use it to end long-lived streams (chat, watches). */
  onDrain(hook: DrainHook): void {
    this.drainHooks.push(hook);
  }

  /**
   * Graceful shutdown: health turns NOT_SERVING (watchers are told at once), no new calls are accepted (refused as
   * not processed, so clients retry them elsewhere), the drain hooks end long-lived streams, calls in flight finish;
   * whatever is still open after `graceMs` is cancelled. Idempotent: a second call returns the first one's promise.
   *
   * HTTP/2 GOAWAY is sent only once the calls in flight finished: a grpc-js client whose keepalive ping falls after a
   * GOAWAY drops the connection and fails the calls still running on it (grpc/grpc-node#3068), so a GOAWAY at the
   * start of the drain cut exactly the calls the drain was letting finish.
   */
  shutdown(graceMs = 10_000): Promise<void> {
    this.stopping ??= this.drain(graceMs);
    return this.stopping;
  }

  private async drain(graceMs: number): Promise<void> {
    this.logger.info({ inFlight: this.inFlight.size, graceMs }, 'shutting down: health NOT_SERVING, draining calls');
    this.setServing(false);
    // Without the gate (a grpc-js upgrade moved its internals), fall back to refusing new calls by GOAWAY at once.
    const goAwayNow = !this.gate?.installed;
    this.gate?.refuseNewCalls();
    let closed = goAwayNow ? new Promise<void>((resolve) => this.server.tryShutdown(() => resolve())) : undefined;
    await Promise.allSettled(this.drainHooks.map((hook) => hook()));
    const drained = await withinMs(this.inFlight.whenIdle(), graceMs);
    closed ??= new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    if (!drained) {
      this.logger.warn({ inFlight: this.inFlight.size }, 'grace period over: cancelling the calls still in flight');
    }
    // A call counts as finished once its status is handed to HTTP/2, not once it is on the wire. Give the transport a
    // moment to flush (or the connections to close by themselves, when no health watch holds them open) before
    // cancelling what remains: forcing at once would reset the streams of calls that just succeeded.
    await withinMs(closed, FLUSH_WINDOW_MS);
    this.server.forceShutdown();
    this.logger.info({ outcome: drained ? 'drained' : 'grace period over' }, 'server stopped');
  }
}

/** How long a drained server waits for its last responses to be written before it closes its connections. */
const FLUSH_WINDOW_MS = 250;

/** Resolves true when `promise` settles within `ms`, false otherwise. */
async function withinMs(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const outcome = await Promise.race([promise.then(() => true as const), expired]);
  clearTimeout(timer);
  return outcome;
}

/** Starts a server with the kit's standard equipment; resolves once it is listening. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const inFlight = new InFlightCalls();
  // The call log and the per-method metrics in one interceptor (call-observer.ts), innermost, so that they see the
  // statuses auth and the service's own interceptors send.
  const interceptors = [observeCalls([callLogObserver(options.logger, inFlight), metricsObserver()])];
  if (options.token !== undefined) interceptors.push(bearerTokenInterceptor(options.token));
  interceptors.push(...(options.interceptors ?? []));
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const server = new Server({
    ...KEEPALIVE_SERVER_OPTIONS,
    interceptors,
    // Channelz stays on although the kit serves no channelz: it costs a new Date() and four closures per call, but with
    // it off grpc-js 1.14's forceShutdown no longer destroys open sessions (it finds them only in its channelz map), so
    // a drained server would keep its clients' connections open.
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
  });

  const serviceNames = options.services.map((service) => serviceNameOf(service.definition));
  for (const service of options.services) server.addService(service.definition, service.implementation);
  const health = new HealthImplementation({});
  health.addToServer(server);
  addReflection(server, [...serviceNames, 'grpc.health.v1.Health']);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${bracketed(options.host)}:${options.port}`,
      serverCredentials(options.tls),
      (error, boundPort) => (error ? reject(error) : resolve(boundPort)),
    );
  });
  const gate = installRequestGate(server);
  if (!gate.installed) {
    options.logger.warn('grpc-js internals changed: malformed requests reach grpc-js unchecked (see request-gate.ts)');
  }
  const running = new RunningServer(server, port, options.host, health, serviceNames, options.logger, inFlight, gate);
  running.setServing(true);
  if (options.announce === false) return running;
  options.logger.info(
    { address: running.address, services: serviceNames, tls: !!options.tls, auth: !!options.token },
    'serving',
  );
  return running;
}
