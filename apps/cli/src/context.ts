import { styleText } from 'node:util';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Code, codeName, isServiceError, parseInteger, type ClientSettings } from '@distlab/grpc-kit';
import { DEFAULT_BASE_PORT } from './up/system';

/** The global options every command shares. */
export interface GlobalOptions {
  target?: string;
  json: boolean;
  deadline: number;
  token?: string;
  tlsCa?: string;
  basePort: number;
  /** A cluster's registry on another machine (`--registry`): everything is found through it, not the port layout. */
  registry?: string;
}

/** `host:port` of a cluster's registry (its balancer), as `--registry` takes it. */
export function parseRegistry(raw: string): string {
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(raw.trim()))
    throw new InvalidArgumentError(`--registry must be host:port of the cluster's balancer, not "${raw.slice(0, 80)}"`);
  return raw.trim();
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
    .addOption(new Option('--tls-ca <file>', 'use TLS, trusting this CA certificate (PEM)').env('DISTLAB_TLS_CA'))
    .addOption(
      new Option(
        '--base-port <port>',
        'where the system listens, as `distlab up --base-port` placed it: registry base+1, inventory base+2, peer n base+10+n',
      )
        .env('DISTLAB_BASE_PORT')
        .default(DEFAULT_BASE_PORT)
        .argParser(parseInteger('--base-port', 1024, 65_000)),
    )
    .addOption(
      new Option(
        '--registry <host:port>',
        "a cluster's registry (its balancer), on this machine or another: peers are found where it says, and the " +
          'balancer and the inventory are called through it, instead of at the --base-port layout on 127.0.0.1',
      )
        .env('DISTLAB_REGISTRY')
        .argParser(parseRegistry),
    );
}

/** The last address a command was about to call: what an UNAVAILABLE error names. */
let lastTarget: string | undefined;

/** What a command needs from the global options: where to connect and how, and how to print. */
export class CliContext {
  constructor(readonly options: GlobalOptions) {}

  static of(command: Command): CliContext {
    return new CliContext(command.optsWithGlobals<GlobalOptions>());
  }

  get json(): boolean {
    return this.options.json;
  }

  /** The target: --target (or DISTLAB_TARGET), else the command's default. */
  target(defaultTarget: string): string {
    return this.dial(this.options.target ?? defaultTarget);
  }

  /** Notes `address` as the one about to be called (named by an UNAVAILABLE error), and returns it. */
  dial(address: string): string {
    lastTarget = address;
    return address;
  }

  /** Whether --target (or DISTLAB_TARGET) was given. */
  get hasTarget(): boolean {
    return this.options.target !== undefined;
  }

  /**
   * Where the system's processes listen: with --registry, the registry given, which is also the balancer, and the
   * balancer fronts the inventory (it proxies any registered service by name); else the --base-port layout on this
   * machine. A peer's layout address is only a fallback: `peerAddress` asks the registry first.
   */
  get ports() {
    const base = this.options.basePort;
    const registry = this.options.registry;
    return {
      registry: registry ?? `127.0.0.1:${base + 1}`,
      balancer: registry ?? `127.0.0.1:${base + 1}`,
      inventory: registry ?? `127.0.0.1:${base + 2}`,
      peer: (id: number) => `127.0.0.1:${base + 10 + id}`,
    };
  }

  /** Whether --registry (or DISTLAB_REGISTRY) names the cluster's registry: nothing may be assumed on 127.0.0.1. */
  get hasRegistry(): boolean {
    return this.options.registry !== undefined;
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
      const { code, message } = describeFailure(error);
      process.stderr.write(json ? `${JSON.stringify({ error: { code, message } })}\n` : `error: ${code}: ${message}\n`);
      process.exitCode = 1;
    }
  };
}

/**
 * A failure as a status name and one line of text. Nothing answering is the first failure a new user meets, and
 * grpc-js words it as a resolver's note: say instead which address did not answer and what to do about it.
 */
export function describeFailure(error: unknown): { code: string; message: string } {
  if (!isServiceError(error)) return { code: 'ERROR', message: (error as Error).message };
  const code = codeName(error.code);
  if (error.code !== Code.UNAVAILABLE) return { code, message: oneLine(error.details) };
  const refused = /ECONNREFUSED ([\w.:[\]-]+:\d+)/.exec(error.details)?.[1];
  if (refused !== undefined || /ECONNREFUSED/.test(error.details)) {
    return {
      code,
      message:
        `nothing answers at ${refused ?? lastTarget ?? 'the server'}. Start the lab with \`npm start\` (or \`distlab up\`), ` +
        'or point at a running one with --target host:port (or --base-port)',
    };
  }
  if (/No connection established/.test(error.details)) {
    // Something listens but the connection failed: most often TLS on one side only.
    return {
      code,
      message:
        `cannot connect to ${lastTarget ?? 'the server'} (${withoutResolutionNote(error.details)}). ` +
        'A system started with `distlab up --secure` needs --tls-ca (and --token); is the address right?',
    };
  }
  return { code, message: oneLine(error.details) };
}

/** grpc-js's details without its (empty, here) resolver note and the time stamp, which say nothing to a user. */
function withoutResolutionNote(details: string): string {
  return details
    .replace(/^No connection established\. Last error: /, '')
    .replace(/ \(\d{4}-[^)]*\)/, '')
    .replace(/\.? ?Resolution note: .*$/, '')
    .trim();
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ');
}

/**
 * `text` in a colour, on a terminal only: piped output, NO_COLOR and a dumb terminal get plain text (Node's
 * hasColors() reads NO_COLOR, FORCE_COLOR and TERM).
 */
export function paint(
  style: 'green' | 'red' | 'yellow' | 'bold' | 'dim',
  text: string,
  stream: NodeJS.WriteStream = process.stdout,
): string {
  // The stream was checked here: styleText's own check would look at process.stdout, whatever the stream.
  return stream.isTTY && stream.hasColors() ? styleText(style, text, { validateStream: false }) : text;
}

/** PASS green and FAIL red wherever a line starts with one. */
export function paintVerdicts(text: string): string {
  return text.replace(/^(PASS|FAIL)\b/gm, (verdict) => paint(verdict === 'PASS' ? 'green' : 'red', verdict));
}

/** A table's header line in bold, the rows as they are. */
export function paintHeader(table: string): string {
  const end = table.indexOf('\n');
  return end < 0 ? paint('bold', table) : `${paint('bold', table.slice(0, end))}${table.slice(end)}`;
}
