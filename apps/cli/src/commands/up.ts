import type { Command } from 'commander';
import { parseInteger } from '@distlab/grpc-kit';
import { ensureLocalSecrets, type LocalSecrets } from '../up/local-ca';
import { Supervisor, type ProcessSpec } from '../up/supervisor';
import { DEFAULT_BASE_PORT, layout, parseUpHost, planSystem, startSystem, type SystemOptions } from '../up/system';

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
    .option(
      '--base-port <port>',
      'balancer base+1, inventory base+2, workers base+3…, peer n base+10+n',
      parseInteger('--base-port', 1024, 65_000),
      DEFAULT_BASE_PORT,
    )
    .option('--data-dir <dir>', "the inventory's SQLite data directory", '.distlab/inventory')
    .option('--events-dir <dir>', 'where the peers append their event logs', '.distlab/events')
    .option('--state-dir <dir>', 'where the peers keep their incarnations and fencing tokens', '.distlab/state')
    .option('--secure', 'TLS on every call, peer to peer too, and a bearer token required (made under --secrets-dir)')
    .option('--host <addr>', 'bind and advertise this routable address, so that other machines can join', parseUpHost)
    .option('--secrets-dir <dir>', 'where --secure keeps its local CA, certificate and token', '.distlab/tls')
    .action(async (options: UpOptions) => {
      const secrets = options.secure
        ? ensureLocalSecrets(options.secretsDir, options.host ? [options.host] : [])
        : undefined;
      const plan = planSystem({ ...options, secrets });
      const peer1 = `${options.host ?? '127.0.0.1'}:${layout(options.basePort, 1, 0).peers[0].port}`;
      const supervisor = new Supervisor(
        (line) => process.stdout.write(`${line}\n`),
        (name, code, signal) => process.stderr.write(`distlab up: ${name} exited unexpectedly (${signal ?? code})\n`),
        secrets === undefined ? {} : { tls: { caFile: secrets.caCert } },
      );

      let stopping: Promise<void> | undefined;
      const stop = (exitCode: number) => {
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
          plan.registry,
        )}\n`,
      );
      if (secrets !== undefined) process.stdout.write(`${securedSummary(secrets, peer1)}\n`);
    });
}

interface UpOptions extends Omit<SystemOptions, 'secrets'> {
  secure?: boolean;
  secretsDir: string;
}

function securedSummary(secrets: LocalSecrets, peer: string): string {
  return [
    `Secured: every call is TLS (CA ${secrets.caCert}) and needs the bearer token in ${secrets.tokenFile}.`,
    'Call it with:',
    `  export DISTLAB_TLS_CA=${secrets.caCert} DISTLAB_TOKEN=$(cat ${secrets.tokenFile})`,
    '  npx distlab factorial 12',
    `  grpcurl -cacert ${secrets.caCert} -H "authorization: Bearer $(cat ${secrets.tokenFile})" ${peer} list`,
    '',
  ].join('\n');
}

function summary(rows: Array<ProcessSpec & { services: string[] }>, registry: string): string {
  const lines = rows.map(
    (row) =>
      `  ${row.name.padEnd(10)} ${row.address.padEnd(17)} ${row.services.map((service) => service.split('.').at(-1)).join(', ')}`,
  );
  const elsewhere = registry === '127.0.0.1:50051' ? '' : ` --target ${registry}`;
  return [
    '',
    `distlab is up: ${rows.length} processes`,
    `  ${'NAME'.padEnd(10)} ${'ADDRESS'.padEnd(17)} SERVICES`,
    ...lines,
    '',
    'Try, in another terminal:',
    `  npx distlab${elsewhere} factorial 12                 (through the balancer)`,
    `  npx distlab${elsewhere} registry list`,
    '  npx distlab hello --name Ada --lookup peer-2',
    '  npx distlab chat --room lab --user ada        (and again as another --user)',
    '  npx distlab inventory                         (the interactive menu)',
    '  npx distlab mutex acquire --peer 2 --hold 2s  (and at once on another --peer; then: mutex state)',
    "  npx distlab election leader                   (kill the leader's process, and ask again)",
    '  npx distlab time show; npx distlab time sync --algorithm berkeley',
    '  npx distlab demo ricart-agrawala              (every demo: npx distlab demo --help)',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
