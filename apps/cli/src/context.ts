import { Command, Option } from 'commander';
import { codeName, isServiceError, parseInteger, type ClientSettings } from '@distlab/grpc-kit';

/** The global options every command shares. */
export interface GlobalOptions {
  target?: string;
  json: boolean;
  deadline: number;
  token?: string;
  tlsCa?: string;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(
      new Option('--target <host:port>', 'the server to talk to (each command has its own default)').env(
        'DISTLAB_TARGET',
      ),
    )
    .addOption(
      new Option('--json', 'print results as JSON (protobuf JSON mapping), one document per line').default(false),
    )
    .addOption(
      new Option('--deadline <ms>', 'deadline of each call in milliseconds')
        .env('DISTLAB_DEADLINE_MS')
        .default(5000)
        .argParser(parseInteger('--deadline', 1, 3_600_000)),
    )
    .addOption(new Option('--token <secret>', 'bearer token for servers started with --token').env('DISTLAB_TOKEN'))
    .addOption(new Option('--tls-ca <file>', 'use TLS, trusting this CA certificate (PEM)').env('DISTLAB_TLS_CA'));
}

/** What a command needs from the global options: where to connect and how, and how to print. */
export class CliContext {
  constructor(private readonly options: GlobalOptions) {}

  static of(command: Command): CliContext {
    return new CliContext(command.optsWithGlobals<GlobalOptions>());
  }

  get json(): boolean {
    return this.options.json;
  }

  /** The target: --target (or DISTLAB_TARGET), else the command's default. */
  target(defaultTarget: string): string {
    return this.options.target ?? defaultTarget;
  }

  clientSettings(): ClientSettings {
    return {
      deadlineMs: this.options.deadline,
      token: this.options.token,
      tls: this.options.tlsCa === undefined ? undefined : { caFile: this.options.tlsCa },
    };
  }

  /** Prints a result: `json` (already in protobuf JSON form) with --json, else the human text. */
  print(json: unknown, human: string): void {
    process.stdout.write(this.options.json ? `${JSON.stringify(json)}\n` : `${human}\n`);
  }
}

/**
 * Runs a command's action and turns a failed call into a one-line message and exit code 1 (usage errors exit 2,
 * from commander). With --json the error is a JSON document on stderr.
 */
export function action<Args extends unknown[]>(
  run: (...args: Args) => Promise<void>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      await run(...args);
    } catch (error) {
      const command = args.at(-1) as Command;
      const json = command.optsWithGlobals<GlobalOptions>().json;
      const { code, message } = isServiceError(error)
        ? { code: codeName(error.code), message: error.details }
        : { code: 'ERROR', message: (error as Error).message };
      process.stderr.write(json ? `${JSON.stringify({ error: { code, message } })}\n` : `error: ${code}: ${message}\n`);
      process.exitCode = 1;
    }
  };
}
