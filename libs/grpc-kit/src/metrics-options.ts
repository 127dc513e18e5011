import { Command, InvalidArgumentError, Option } from 'commander';
import type { MetricsEndpointConfig } from './metrics';

/**
 * Adds `--metrics-port` and `--metrics-host` to a server command. No port, no endpoint: a process serves /metrics
 * only when asked to, and on loopback unless the host is widened (a scraper on another machine needs
 * `--metrics-host 0.0.0.0`).
 */
export function addMetricsOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (0 picks a free port)')
        .env('DISTLAB_METRICS_PORT')
        .argParser(parsePort),
    )
    .addOption(
      new Option('--metrics-host <host>', 'address the metrics endpoint listens on')
        .env('DISTLAB_METRICS_HOST')
        .default('127.0.0.1'),
    );
}

/** The metrics endpoint a parsed command asks for, or undefined when it asks for none. */
export function metricsConfigFrom(options: Record<string, unknown>): MetricsEndpointConfig | undefined {
  const port = options['metricsPort'] as number | undefined;
  return port === undefined ? undefined : { host: (options['metricsHost'] as string) ?? '127.0.0.1', port };
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`--metrics-port must be an integer from 0 to 65535, not "${raw}"`);
  return port;
}
