import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS, type LogLevel } from './logger';
import type { ClientSettings } from './client';
import type { ClientTlsFiles, ServerTlsFiles } from './tls';
import type { MetricsEndpointConfig } from './metrics';
import { addMetricsOptions, metricsConfigFrom } from './metrics-options';

/**
 * The options every distlab server takes, each from a flag or from an environment variable (the flag wins), so that
 * the same binary runs by hand, under `distlab up`, and in a container. `--help` lists them with their variables.
 */
export interface ServerConfig {
  host: string;
  port: number;
  logLevel: LogLevel;
  tls?: ServerTlsFiles;
  token?: string;
  /** TLS for the calls this server makes itself (to the registry, to peers, to backends): the CA to trust. */
  clientTls?: ClientTlsFiles;
  shutdownGraceMs: number;
  maxMessageBytes: number;
  /** Where to serve Prometheus metrics (`--metrics-port`, `--metrics-host`); none when undefined. */
  metrics?: MetricsEndpointConfig;
}

export function parseInteger(label: string, min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${label} must be an integer from ${min} to ${max}`);
    }
    return value;
  };
}

/** `host:port` (or `[ipv6]:port`) as a listening address; an InvalidArgumentError naming what is wrong. */
export function parseListenAddress(raw: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(raw.trim());
  const port = Number(match?.[3]);
  if (match === null || port > 65535)
    throw new InvalidArgumentError(
      `--listen must be host:port (or [ipv6]:port) with a port from 0 to 65535, not "${raw}"`,
    );
  return { host: match[1] ?? match[2], port };
}

/** Adds the common server options to a command; `defaultPort` is the app's well-known port. */
export function addServerOptions(command: Command, defaultPort: number): Command {
  return addMetricsOptions(command)
    .addOption(new Option('--host <host>', 'address to listen on').env('DISTLAB_HOST').default('127.0.0.1'))
    .addOption(
      new Option('--port <port>', 'port to listen on (0 picks a free one)')
        .env('DISTLAB_PORT')
        .default(defaultPort)
        .argParser(parseInteger('--port', 0, 65535)),
    )
    .addOption(
      new Option('--listen <host:port>', 'address to listen on, both parts at once (instead of --host and --port)')
        .env('DISTLAB_LISTEN')
        .argParser(parseListenAddress),
    )
    .addOption(
      new Option('--log-level <level>', 'log level').env('DISTLAB_LOG_LEVEL').choices(LOG_LEVELS).default('info'),
    )
    .addOption(new Option('--tls-cert <file>', 'serve TLS with this certificate (PEM)').env('DISTLAB_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'private key of --tls-cert (PEM)').env('DISTLAB_TLS_KEY'))
    .addOption(
      new Option('--tls-client-ca <file>', 'require client certificates signed by this CA (mutual TLS)').env(
        'DISTLAB_TLS_CLIENT_CA',
      ),
    )
    .addOption(
      new Option('--token <secret>', 'require "authorization: Bearer <secret>" on every call but health').env(
        'DISTLAB_TOKEN',
      ),
    )
    .addOption(new Option('--token-file <file>', 'read the token from a file').env('DISTLAB_TOKEN_FILE'))
    .addOption(
      new Option(
        '--tls-ca <file>',
        'call other servers (registry, peers, backends) over TLS, trusting this CA; they get the token too',
      ).env('DISTLAB_TLS_CA'),
    )
    .addOption(
      new Option('--shutdown-grace-ms <ms>', 'on SIGTERM/SIGINT, how long calls in flight may take to finish')
        .env('DISTLAB_SHUTDOWN_GRACE_MS')
        .default(10_000)
        .argParser(parseInteger('--shutdown-grace-ms', 0, 600_000)),
    )
    .addOption(
      new Option('--max-message-bytes <bytes>', 'largest message accepted or sent')
        .env('DISTLAB_MAX_MESSAGE_BYTES')
        .default(4 * 1024 * 1024)
        .argParser(parseInteger('--max-message-bytes', 1024, 256 * 1024 * 1024)),
    );
}

/** Reads the common server options back from a parsed command, checking the ones that go together. */
export function serverConfigFrom(options: Record<string, unknown>): ServerConfig {
  const certFile = options['tlsCert'] as string | undefined;
  const keyFile = options['tlsKey'] as string | undefined;
  const clientCaFile = options['tlsClientCa'] as string | undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new InvalidArgumentError('--tls-cert and --tls-key go together');
  }
  if (clientCaFile !== undefined && certFile === undefined) {
    throw new InvalidArgumentError('--tls-client-ca needs --tls-cert and --tls-key');
  }
  const tokenFile = options['tokenFile'] as string | undefined;
  const token =
    tokenFile !== undefined ? readFileSync(tokenFile, 'utf8').trim() : (options['token'] as string | undefined);
  if (token !== undefined && token.length === 0) throw new InvalidArgumentError('the token must not be empty');
  const listen = options['listen'] as { host: string; port: number } | undefined;
  return {
    host: listen?.host ?? (options['host'] as string),
    port: listen?.port ?? (options['port'] as number),
    logLevel: options['logLevel'] as LogLevel,
    tls: certFile && keyFile ? { certFile, keyFile, clientCaFile } : undefined,
    token,
    clientTls: options['tlsCa'] === undefined ? undefined : { caFile: options['tlsCa'] as string },
    shutdownGraceMs: options['shutdownGraceMs'] as number,
    maxMessageBytes: options['maxMessageBytes'] as number,
    metrics: metricsConfigFrom(options),
  };
}

/**
 * The settings of the calls a server makes to other distlab servers: over TLS when `--tls-ca` is given, and with the
 * server's own token, since one secret is shared across a deployment (`distlab up --secure` sets both).
 */
export function outgoingClientSettings(config: Partial<ServerConfig>): ClientSettings {
  return { token: config.token, tls: config.clientTls };
}
