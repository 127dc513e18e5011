import { Command } from 'commander';
import { addServerOptions, serverConfigFrom, type ServerConfig } from './config';
import { createLogger, type Logger } from './logger';
import { withMetricsEndpoint } from './metrics';
/** What a server process runs: anything that can drain and stop (a RunningServer, or a composition of them). */
export interface Stoppable {
  shutdown(graceMs?: number): Promise<void>;
}

/** What an app tells the kit to become a server process. */
export interface ServerProcess {
  /** The process's name in logs and `--help`, e.g. "peer". */
  name: string;
  description: string;
  defaultPort: number;
  /** Adds the app's own flags. */
  configure?: (command: Command) => Command;
  /** Starts the app's server from the parsed options. */
  start: (context: { config: ServerConfig; options: Record<string, unknown>; logger: Logger }) => Promise<Stoppable>;
}

/**
 * Runs a server process: parses flags and environment, starts the server, and on SIGTERM or SIGINT shuts it down
 * gracefully and exits 0 (a second signal exits at once with 130). A configuration error exits 2 with its message; a
 * failure to start exits 1.
 */
export async function runServerProcess(spec: ServerProcess, argv: readonly string[] = process.argv): Promise<void> {
  const command: Command = addServerOptions(new Command(spec.name).description(spec.description), spec.defaultPort);
  spec.configure?.(command);
  command.option('--check-config', 'parse the options and environment, print them as JSON, and exit without serving');
  // Usage errors exit 2 (the shell convention), not commander's default 1, which is reserved for failures to start.
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  command.parse([...argv]);
  const options = command.opts();

  let config: ServerConfig;
  try {
    config = serverConfigFrom(options);
  } catch (error) {
    command.error(`error: ${(error as Error).message}`, { exitCode: 2 });
  }
  if (options['checkConfig'] === true) {
    // A dry run for deployment files (compose, Kubernetes): the same parsing as a real start, and nothing started.
    // It ends by running out of work, not process.exit: the output reaches a pipe whole, and tsx finishes writing what
    // it transpiled to its cache (`distlab up` loads each app this way first: apps/cli/src/up/transpile-cache.ts).
    process.stdout.write(`${JSON.stringify({ process: spec.name, config, options }, jsonSafe)}\n`);
    return;
  }
  const logger = createLogger({ name: spec.name, level: config.logLevel });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });

  let server: Stoppable;
  try {
    server = await spec.start({ config, options, logger });
    if (config.metrics !== undefined) server = await withMetricsEndpoint(server, config.metrics, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(130);
    }
    signalled = true;
    logger.info({ signal }, 'signal received');
    server.shutdown(config.shutdownGraceMs).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Under a supervisor (`distlab up`), stdin is a pipe from it: when the supervisor is gone, however it ended, the pipe
  // closes and this process shuts down too instead of living on as an orphan.
  if (process.env['DISTLAB_SUPERVISED'] === '1') {
    process.stdin.on('end', () => onSignal('SIGTERM')).resume();
  }
}

/** JSON for parsed options: a Map (the peer's --peers) as an object; a secret (a token, a URL's password) never. */
function jsonSafe(key: string, value: unknown): unknown {
  if (key === 'token') return value === undefined ? undefined : '(set)';
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/]*:[^/@]*@/i.test(value))
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:]*:)[^/@]*@/i, '$1(set)@');
  return value instanceof Map ? Object.fromEntries(value) : value;
}
