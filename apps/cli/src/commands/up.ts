import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CoreLoadError, loadElectionCore, loadMutexCore } from '@distlab/simulator';
import { CliContext } from '../context';
import { LOG_LEVELS, parseInteger, type LogLevel } from '@distlab/grpc-kit';
import { ensureLocalSecrets, type LocalSecrets } from '../up/local-ca';
import { EventFollower } from '../up/event-follower';
import { Supervisor, type ProcessSpec } from '../up/supervisor';
import { DEFAULT_BASE_PORT, layout, parseUpHost, planSystem, startSystem, type SystemOptions } from '../up/system';
import { addUiOptions, serveLiveView, type UiOptions } from './ui';

/**
 * `distlab up`: the whole system on one machine, as separate processes. The balancer (registry and proxy) starts
 * first; the factorial workers, the inventory service (SQLite) and the peers register with it. Ctrl-C (or SIGTERM)
 * drains and stops everything.
 */
export function upCommand(program: Command): void {
  program
    .command('up')
    .description('start the whole system as child processes and stop it on Ctrl-C')
    .option('--peers <n>', 'how many peers', parseInteger('--peers', 1, 9), 5)
    .option('--workers <n>', 'how many factorial workers', parseInteger('--workers', 1, 7), 2)
    .option('--data-dir <dir>', "the inventory's SQLite data directory", '.distlab/inventory')
    .option('--events-dir <dir>', 'where the peers append their event logs', '.distlab/events')
    .option('--state-dir <dir>', 'where the peers keep their incarnations and fencing tokens', '.distlab/state')
    .option('--secure', 'TLS on every call, peer to peer too, and a bearer token required (made under --secrets-dir)')
    .option('--host <addr>', 'bind and advertise this routable address, so that other machines can join', parseUpHost)
    .option('--secrets-dir <dir>', 'where --secure keeps its local CA, certificate and token', '.distlab/tls')
    .addOption(
      new Option('--log-level <level>', "the processes' log level: info shows the lab's events, debug every call")
        .choices(LOG_LEVELS)
        .default('info'),
    )
    .option('--verbose', 'the same as --log-level debug')
    .option('--ui', 'also serve the live view in the browser (see distlab ui)')
    .option(
      '--mutex-core <file>',
      'every peer drives your Ricart–Agrawala core (.ts or .js exporting createMutexCore; distlab new mutex-core)',
      (file: string) => checkedCore(file, loadMutexCore),
    )
    .option(
      '--election-core <file>',
      'every peer drives your election core (.ts or .js exporting createElectionCore; distlab new election-core)',
      (file: string) => checkedCore(file, loadElectionCore),
    )
    .action(async (localOptions: Omit<UpOptions, 'basePort'>, command: Command) => {
      // --base-port is global (balancer base+1, inventory base+2, workers base+3…, peer n base+10+n): every command
      // reaches the system started with it when given the same one.
      const options: UpOptions = { ...localOptions, basePort: CliContext.of(command).options.basePort };
      const secrets = options.secure
        ? ensureLocalSecrets(options.secretsDir, options.host ? [options.host] : [])
        : undefined;
      const logLevel = options.verbose ? 'debug' : options.logLevel;
      const plan = planSystem({ ...options, secrets, logLevel });
      const peer1 = `${options.host ?? '127.0.0.1'}:${layout(options.basePort, 1, 0).peers[0].port}`;
      const supervisor = new Supervisor(
        (line) => process.stdout.write(`${line}\n`),
        (name, code, signal) => process.stderr.write(`distlab up: ${name} exited unexpectedly (${signal ?? code})\n`),
        secrets === undefined ? {} : { tls: { caFile: secrets.caCert } },
        process.stdout.isTTY && process.stdout.hasColors(),
      );
      // The lab's events (critical sections, clock adjustments, elections) from the peers' event logs, one line each.
      const events = new EventFollower(resolve(options.eventsDir), (name, text) =>
        process.stdout.write(`${supervisor.prefix(name)}${text}\n`),
      );
      events.start();

      let stopping: Promise<void> | undefined;
      const stop = (exitCode: number) => {
        events.stop();
        stopping ??= supervisor.stopAll().then(() => {
          process.stdout.write('distlab up: stopped\n');
          process.exit(exitCode);
        });
      };
      process.on('SIGINT', () => stop(0));
      process.on('SIGTERM', () => stop(0));

      try {
        await startSystem(supervisor, plan);
      } catch (error) {
        process.stderr.write(`distlab up: ${(error as Error).message}; stopping\n`);
        stop(1);
        return;
      }
      process.stdout.write(
        `${summary(
          supervisor.processes.map((running) => ({ ...running.spec, services: running.services })),
          options.basePort,
          options.host === undefined ? undefined : plan.registry,
        )}\n`,
      );
      if (secrets !== undefined) process.stdout.write(`${securedSummary(secrets, peer1)}\n`);
      if (options.ui) {
        const token = secrets === undefined ? undefined : readFileSync(secrets.tokenFile, 'utf8').trim();
        const settings = secrets === undefined ? {} : { token, tls: { caFile: secrets.caCert } };
        await serveLiveView(command, { ...options, peer: 1 }, settings, supervisor).catch((error: Error) =>
          process.stderr.write(`distlab up: no live view (${error.message}); the system runs on\n`),
        );
      }
    });
  addUiOptions(program.commands.at(-1)!);
}

/**
 * A user's core, loaded and checked against its interface here, so that a broken module is a usage error (exit 2,
 * naming what is wrong) instead of five peers failing to start; the peers load it again, by its absolute path.
 */
function checkedCore(file: string, load: (file: string) => unknown): string {
  try {
    load(file);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof CoreLoadError ? error.message : String(error));
  }
  return resolve(file);
}

interface UpOptions extends Omit<SystemOptions, 'secrets' | 'logLevel'>, UiOptions {
  ui?: boolean;
  secure?: boolean;
  secretsDir: string;
  logLevel: LogLevel;
  verbose?: boolean;
}

function securedSummary(secrets: LocalSecrets, peer: string): string {
  return [
    `Secured: every call is TLS (CA ${secrets.caCert}) and needs the bearer token in ${secrets.tokenFile}.`,
    'Call it with:',
    `  export DISTLAB_TLS_CA=${secrets.caCert} DISTLAB_TOKEN=$(cat ${secrets.tokenFile})`,
    '  distlab factorial 12',
    `  grpcurl -cacert ${secrets.caCert} -H "authorization: Bearer $(cat ${secrets.tokenFile})" ${peer} list`,
    '',
  ].join('\n');
}

function summary(rows: Array<ProcessSpec & { services: string[] }>, basePort: number, registry?: string): string {
  const lines = rows.map(
    (row) =>
      `  ${row.name.padEnd(10)} ${row.address.padEnd(17)} ${row.services.map((service) => service.split('.').at(-1)).join(', ')}`,
  );
  // Another layout is reached by giving every command the same --base-port (or DISTLAB_BASE_PORT); a system on a
  // routable address (--host), from any machine, through its registry.
  const elsewhere =
    registry !== undefined
      ? ` --registry ${registry}`
      : basePort === DEFAULT_BASE_PORT
        ? ''
        : ` --base-port ${basePort}`;
  return [
    '',
    `distlab is up: ${rows.length} processes`,
    `  ${'NAME'.padEnd(10)} ${'ADDRESS'.padEnd(17)} SERVICES`,
    ...lines,
    '',
    'Try, in another terminal (after `export PATH="$PWD/node_modules/.bin:$PATH"`, or with `npx` in front):',
    `  distlab${elsewhere} factorial 12                 (through the balancer)`,
    `  distlab${elsewhere} registry list`,
    `  distlab${elsewhere} hello --name Ada --lookup peer-2`,
    `  distlab${elsewhere} chat --room lab --user ada        (and again as another --user)`,
    `  distlab${elsewhere} inventory                         (the interactive menu)`,
    `  distlab${elsewhere} mutex acquire --peer 2 --hold 2s  (and at once on another --peer; then: mutex state)`,
    `  distlab${elsewhere} election leader                   (kill the leader's process, and ask again)`,
    `  distlab${elsewhere} time show; distlab${elsewhere} time sync --algorithm berkeley`,
    `  distlab${elsewhere} demo ricart-agrawala              (every demo: distlab demo --help)`,
    ...(registry === undefined
      ? []
      : [`Another machine joins as peer 6 with: distlab join --registry ${registry} --id 6 --advertise ITS_ADDRESS`]),
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
