import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseInteger } from '@distlab/grpc-kit';
import { ensureLocalSecrets, type LocalSecrets } from '../up/local-ca';
import { Supervisor, type ProcessSpec } from '../up/supervisor';

/** Where everything listens, relative to one base port (50050 by default, the well-known ports). */
/** The layout `distlab up` uses unless told otherwise: the well-known ports (balancer 50051, peer n 50060 + n). */
export const DEFAULT_BASE_PORT = 50_050;

export function layout(basePort: number, peers: number, workers: number) {
  return {
    balancer: basePort + 1,
    inventory: basePort + 2,
    workers: Array.from({ length: workers }, (_, index) => basePort + 3 + index),
    peers: Array.from({ length: peers }, (_, index) => ({ id: index + 1, port: basePort + 10 + index + 1 })),
  };
}

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
    .option('--secrets-dir <dir>', 'where --secure keeps its local CA, certificate and token', '.distlab/tls')
    .action(async (options: UpOptions) => {
      const ports = layout(options.basePort, options.peers, options.workers);
      const secrets = options.secure ? ensureLocalSecrets(options.secretsDir) : undefined;
      // Under --secure every process serves TLS, calls the others over TLS, and requires (and sends) the token.
      const secured =
        secrets === undefined
          ? []
          : [
              ...['--tls-cert', secrets.serverCert, '--tls-key', secrets.serverKey],
              ...['--tls-ca', secrets.caCert, '--token-file', secrets.tokenFile],
            ];
      // Each peer is told where the others are, for the peer-to-peer calls of the algorithms.
      const peerList = (self: number) =>
        ports.peers
          .filter(({ id }) => id !== self)
          .map(({ id, port }) => `${id}=127.0.0.1:${port}`)
          .join(',');
      const registry = `127.0.0.1:${ports.balancer}`;
      const registered = ['--registry', registry];
      const balancer: ProcessSpec = {
        name: 'balancer',
        app: 'balancer',
        args: ['--port', String(ports.balancer), ...secured],
        address: registry,
      };
      const others: ProcessSpec[] = [
        ...ports.workers.map((port, index) => ({
          name: `worker-${index + 1}`,
          app: 'factorial-worker',
          args: ['--port', String(port), '--worker-id', `worker-${index + 1}`, ...registered, ...secured],
          address: `127.0.0.1:${port}`,
        })),
        {
          name: 'inventory',
          app: 'inventory-service',
          args: ['--port', String(ports.inventory), '--data-dir', resolve(options.dataDir), ...registered, ...secured],
          address: `127.0.0.1:${ports.inventory}`,
        },
        ...ports.peers.map(({ id, port }) => ({
          name: `peer-${id}`,
          app: 'peer',
          args: [
            ...['--id', String(id), '--port', String(port), '--peers', peerList(id), ...registered],
            ...['--clock-skew-ms', String(skewMs(id, options.peers)), '--clock-drift-ppm', String(id % 2 ? 50 : -50)],
            ...['--events-dir', resolve(options.eventsDir), '--state-dir', resolve(options.stateDir)],
            ...secured,
          ],
          address: `127.0.0.1:${port}`,
        })),
      ];
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
        await supervisor.start(balancer);
        await Promise.all(others.map((spec) => supervisor.start(spec)));
      } catch (error) {
        process.stderr.write(`distlab up: ${(error as Error).message}; stopping\n`);
        stop(1);
        return;
      }
      process.stdout.write(
        `${summary(
          supervisor.processes.map((running) => ({ ...running.spec, services: running.services })),
          registry,
        )}\n`,
      );
      if (secrets !== undefined)
        process.stdout.write(`${securedSummary(secrets, `127.0.0.1:${ports.peers[0].port}`)}\n`);
    });
}

interface UpOptions {
  peers: number;
  workers: number;
  basePort: number;
  dataDir: string;
  eventsDir: string;
  stateDir: string;
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

/**
 * Each peer's clock is set wrong on purpose, spread evenly over ±500 ms (and drifting ±50 ppm), so that `distlab time
 * show` has something to show and `distlab time sync` something to fix.
 */
function skewMs(id: number, peers: number): number {
  return peers === 1 ? 0 : Math.round(-500 + ((id - 1) * 1000) / (peers - 1));
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
