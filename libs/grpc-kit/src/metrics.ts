import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { status, type ServerInterceptor } from '@grpc/grpc-js';
import type {
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Registry,
} from 'prom-client';
import { observeCalls, type CallObserverFactory } from './call-observer';
import type { Logger } from './logger';
import { codeName } from './status';

/**
 * Latency buckets in seconds for gRPC calls and the lab's own waits: from a loopback call (a fraction of a
 * millisecond) to a lock held across a slow demo (tens of seconds).
 */
export const LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

let processRegistry: Registry | undefined;

/**
 * prom-client, loaded when a metric is first made: a process that records none (the CLI, which shares the kit with
 * the servers) never pays for loading it, a fifth of the CLI's start-up before this.
 */
function promClient(): typeof import('prom-client') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('prom-client') as typeof import('prom-client');
}

/**
 * How often the event-loop delay is sampled, in milliseconds. prom-client's default, 10 ms, wakes an idle process 100
 * times a second for it: on five idle peers, that was most of their wake-ups and a fifth of their CPU at rest. Ten
 * samples a second still show a loop that stalls, and an idle process sleeps.
 */
export const EVENT_LOOP_SAMPLE_INTERVAL_MS = 100;

/**
 * The one metrics registry of this process. The kit records every server's calls in it, and apps register their own
 * gauges and histograms (lock waits, elections, clock offsets, backend health) in it, so that one /metrics endpoint
 * shows them all. Node's process metrics (CPU, memory, event-loop delay) are collected with it.
 */
export function metricsRegistry(): Registry {
  if (processRegistry === undefined) {
    const { collectDefaultMetrics, Registry } = promClient();
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_INTERVAL_MS });
  }
  return processRegistry;
}

/**
 * A counter in the process registry, made on first use and shared after: several servers in one process (tests, a
 * demo that runs a cluster in one process) record into the same series instead of failing on a second registration.
 */
export function sharedCounter<Label extends string>(config: CounterConfiguration<Label>): Counter<Label> {
  const existing = metricsRegistry().getSingleMetric(config.name);
  return (
    (existing as Counter<Label> | undefined) ??
    new (promClient().Counter)({ ...config, registers: [metricsRegistry()] })
  );
}

/** A gauge in the process registry, made on first use and shared after (see sharedCounter). */
export function sharedGauge<Label extends string>(config: GaugeConfiguration<Label>): Gauge<Label> {
  const existing = metricsRegistry().getSingleMetric(config.name);
  return (
    (existing as Gauge<Label> | undefined) ?? new (promClient().Gauge)({ ...config, registers: [metricsRegistry()] })
  );
}

/** A histogram in the process registry, made on first use and shared after (see sharedCounter). */
export function sharedHistogram<Label extends string>(config: HistogramConfiguration<Label>): Histogram<Label> {
  const existing = metricsRegistry().getSingleMetric(config.name);
  return (
    (existing as Histogram<Label> | undefined) ??
    new (promClient().Histogram)({ buckets: LATENCY_BUCKETS_SECONDS, ...config, registers: [metricsRegistry()] })
  );
}

/**
 * Records every call a server handles, under the names go-grpc-prometheus made common (so that existing dashboards
 * fit): calls started, calls handled by status code, and handling time. Labels come only from methods the server
 * hosts: grpc-js answers a call to an unknown method UNIMPLEMENTED before any interceptor runs, so a client cannot
 * grow the series without bound. Place it right after the call log, before auth, so that auth's refusals are counted.
 */
export function metricsInterceptor(): ServerInterceptor {
  return observeCalls([metricsObserver()]);
}

/**
 * Call counts not yet added to their prom-client counter. prom-client hashes and checks the labels of a series on
 * every inc, even on a labelled child, which cost about a microsecond per call for the two counters; a call now adds
 * one to a plain number here, and the counters take these in when they are read (their `collect`, which prom-client
 * runs before every scrape and every `get`). Bounded: one entry per hosted method and per status code it ended with.
 */
const pendingCallCounts: PendingCount[] = [];

interface PendingCount {
  readonly series: Counter.Internal;
  count: number;
}

function pendingCount(series: Counter.Internal): PendingCount {
  const pending = { series, count: 0 };
  pendingCallCounts.push(pending);
  return pending;
}

/** Adds the counts recorded since the last read to their counters. */
function flushPendingCallCounts(): void {
  for (const pending of pendingCallCounts) {
    if (pending.count === 0) continue;
    pending.series.inc(pending.count);
    pending.count = 0;
  }
}

/** The server metrics as a call observer, so that startServer runs them and the call log in one interceptor. */
export function metricsObserver(): CallObserverFactory {
  const started = sharedCounter({
    name: 'grpc_server_started_total',
    help: 'gRPC calls started on this server, by service and method.',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_type'],
    collect: flushPendingCallCounts,
  });
  const handled = sharedCounter({
    name: 'grpc_server_handled_total',
    help: 'gRPC calls completed on this server, by service, method and status code.',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_type', 'grpc_code'],
    collect: flushPendingCallCounts,
  });
  const handling = sharedHistogram({
    name: 'grpc_server_handling_seconds',
    help: 'Time from the start of a gRPC call to its status, in seconds, by service and method.',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_type'],
  });
  // Each method's series are labelled once, on its first call: labelling on every call costs more than the rest of
  // the recording. The call's duration comes from the observer (one clock read shared with the call log) and goes to
  // the histogram's child directly, which spares the closure and label merge of prom-client's startTimer.
  return ({ path, requestStream, responseStream }) => {
    const [, service = '', method = ''] = path.split('/');
    const labels = { grpc_service: service, grpc_method: method, grpc_type: callType(requestStream, responseStream) };
    const startedCount = pendingCount(started.labels(labels));
    const handlingSeries = handling.labels(labels);
    // Indexed by status code (0 to 16).
    const handledByCode: PendingCount[] = [];
    const handledCount = (code: status): PendingCount =>
      (handledByCode[code] ??= pendingCount(handled.labels({ ...labels, grpc_code: codeName(code) })));
    return {
      started: () => {
        startedCount.count += 1;
      },
      ended: (code, _details, durationMs) => {
        handlingSeries.observe(durationMs / 1000);
        handledCount(code).count += 1;
      },
    };
  };
}

function callType(requestStream: boolean, responseStream: boolean): string {
  if (requestStream) return responseStream ? 'bidi_stream' : 'client_stream';
  return responseStream ? 'server_stream' : 'unary';
}

/** Where /metrics is served: loopback unless --metrics-host widens it, since metrics tell a lot about a system. */
export interface MetricsEndpointConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

/** A running /metrics endpoint. */
export interface MetricsEndpoint {
  port: number;
  /** The URL to scrape, e.g. http://127.0.0.1:9464/metrics. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the process registry in Prometheus text format at GET /metrics on a plain HTTP server of its own, apart from
 * the gRPC port (Prometheus scrapes HTTP/1.1, and a metrics port can be firewalled apart from the service).
 */
export async function startMetricsEndpoint(config: MetricsEndpointConfig, logger: Logger): Promise<MetricsEndpoint> {
  const registry = metricsRegistry();
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        logger.error({ err: error }, 'metrics could not be rendered');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be rendered\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/metrics`;
  logger.info({ url }, 'metrics');
  return {
    port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A server process with its /metrics endpoint: the endpoint stays up while the server drains, then closes. */
export async function withMetricsEndpoint<Server extends { shutdown(graceMs?: number): Promise<void> }>(
  server: Server,
  config: MetricsEndpointConfig,
  logger: Logger,
): Promise<{ shutdown(graceMs?: number): Promise<void> }> {
  const endpoint = await startMetricsEndpoint(config, logger);
  return {
    shutdown: async (graceMs) => {
      await server.shutdown(graceMs);
      await endpoint.close();
    },
  };
}
