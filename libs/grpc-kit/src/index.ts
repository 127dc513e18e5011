/**
 * @distlab/grpc-kit: what every distlab server and client shares, so that each app only adds its behaviour.
 *
 * Servers: `runServerProcess` (flags, environment, signals) around `startServer` (health, reflection, per-call JSON
 * logs, TLS, bearer-token auth, graceful drain). Handlers: `createHandlers` turns async functions into grpc-js
 * handlers and routes every error through the service's one `ErrorMapper`. Clients: `createClient` (deadline, auth,
 * contract-driven retries) and `unaryCall` (promises).
 */
export { runServerProcess, type ServerProcess, type Stoppable } from './main';
export {
  startServer,
  serviceNameOf,
  RunningServer,
  DEFAULT_MAX_MESSAGE_BYTES,
  type HostedService,
  type StartServerOptions,
  type DrainHook,
} from './server';
export {
  KEEPALIVE_CHANNEL_OPTIONS,
  KEEPALIVE_SERVER_OPTIONS,
  KEEPALIVE_TIME_MS,
  KEEPALIVE_TIMEOUT_MS,
  RECONNECT_BACKOFF_MAX_MS,
} from './keepalive';
export { createHandlers, type Handlers } from './handlers';
export {
  StatusError,
  Code,
  codeName,
  isServiceError,
  serviceError,
  toStatusError,
  STATUS_MESSAGE_MAX_CHARS,
  type ErrorMapper,
} from './status';
export { isHostPort, requireHostPort } from './addresses';
export { clientHostOf, normalizedHost } from './client-host';
export { StreamSlots, type StreamSlotLimits } from './stream-slots';
export { quoteClientInput, QUOTE_MAX_CHARS } from './quoting';
export { requireText, limitText, requirePresent, requireAtMost, requireCounter, COUNTER_MAX } from './validation';
export { addServerOptions, serverConfigFrom, parseInteger, outgoingClientSettings, type ServerConfig } from './config';
export { createLogger, silentLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger';
export {
  createClient,
  unaryCall,
  waitForReady,
  retryServiceConfig,
  DEFAULT_DEADLINE_MS,
  DEFAULT_MAX_ATTEMPTS,
  type ClientConstructor,
  type ClientSettings,
  type CallSettings,
  type UnaryMethodName,
} from './client';
export { serverCredentials, channelCredentials, type ServerTlsFiles, type ClientTlsFiles } from './tls';
export { bearerTokenInterceptor, callLogInterceptor, InFlightCalls } from './interceptors';
export { durationToMs, msToDuration } from './durations';
export { createHealthClient, checkHealth, listHealth, type HealthClient, type ServingStatus } from './health-client';
export { WELL_KNOWN_PORTS, peerPort } from './ports';
export { pageTokens, type PageTokens, type PageTokenOptions } from './page-tokens';
export {
  metricsRegistry,
  sharedCounter,
  sharedGauge,
  sharedHistogram,
  metricsInterceptor,
  startMetricsEndpoint,
  withMetricsEndpoint,
  LATENCY_BUCKETS_SECONDS,
  type MetricsEndpoint,
  type MetricsEndpointConfig,
} from './metrics';
export { addMetricsOptions, metricsConfigFrom } from './metrics-options';
export {
  advertisedAddress,
  requireAdvertisable,
  parseAdvertise,
  isLoopbackHost,
  isThisMachine,
  hostOf,
  UnreachableAdvertiseError,
} from './advertise';
