import pino, { type Logger } from 'pino';

export type { Logger };

/** Log levels accepted by `--log-level`, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A JSON-lines logger for a distlab process. Writes are synchronous so that the last lines before an exit (a crash,
 * a signal) are never lost; a per-call line costs a few microseconds, far below a gRPC call's own cost.
 */
export function createLogger(options: { name: string; level?: LogLevel; destination?: 1 | 2 }): Logger {
  return pino(
    { name: options.name, level: options.level ?? 'info', base: { pid: process.pid } },
    pino.destination({ fd: options.destination ?? 1, sync: true }),
  );
}

/** A logger that drops everything: for tests and for library code that was given none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
