import type { Command } from 'commander';
import { parseInteger, WELL_KNOWN_PORTS } from '@distlab/grpc-kit';
import { Supervisor, type ProcessSpec } from '../up/supervisor';

/**
 * `distlab up`: the whole system on one machine, as separate processes on their well-known ports. Ctrl-C (or SIGTERM)
 * stops everything cleanly. Today the system is the inventory service (SQLite) and the peers (greeter, chat); the
 * registry, balancer and workers join as their issues land.
 */
export function upCommand(program: Command): void {
  program
    .command('up')
    .description('start the whole system as child processes and stop it on Ctrl-C')
    .option('--peers <n>', 'how many peers', parseInteger('--peers', 1, 20), 5)
    .option(
      '--base-port <port>',
      'peer n listens on base + n',
      parseInteger('--base-port', 1024, 65_000),
      WELL_KNOWN_PORTS.peerBase,
    )
    .option(
      '--inventory-port <port>',
      'where the inventory service listens',
      parseInteger('--inventory-port', 1024, 65_535),
      WELL_KNOWN_PORTS.inventory,
    )
    .option('--data-dir <dir>', "the inventory's SQLite data directory", '.distlab/inventory')
    .action(async (options: { peers: number; basePort: number; inventoryPort: number; dataDir: string }) => {
      const peers: ProcessSpec[] = Array.from({ length: options.peers }, (_, index) => {
        const id = index + 1;
        const port = options.basePort + id;
        return {
          name: `peer-${id}`,
          app: 'peer',
          args: ['--id', String(id), '--port', String(port)],
          address: `127.0.0.1:${port}`,
        };
      });
      const inventory: ProcessSpec = {
        name: 'inventory',
        app: 'inventory-service',
        args: ['--port', String(options.inventoryPort), '--data-dir', options.dataDir],
        address: `127.0.0.1:${options.inventoryPort}`,
      };
      const specs = [inventory, ...peers];
      const supervisor = new Supervisor(
        (line) => process.stdout.write(`${line}\n`),
        (name, code, signal) => process.stderr.write(`distlab up: ${name} exited unexpectedly (${signal ?? code})\n`),
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
        await Promise.all(specs.map((spec) => supervisor.start(spec)));
      } catch (error) {
        process.stderr.write(`distlab up: ${(error as Error).message}; stopping\n`);
        stop(1);
        return;
      }
      process.stdout.write(
        `${summary(supervisor.processes.map((running) => ({ ...running.spec, services: running.services })))}\n`,
      );
    });
}

function summary(rows: Array<ProcessSpec & { services: string[] }>): string {
  const lines = rows.map(
    (row) =>
      `  ${row.name.padEnd(10)} ${row.address.padEnd(17)} ${row.services.map((service) => service.split('.').at(-1)).join(', ')}`,
  );
  return [
    '',
    `distlab is up: ${rows.length} processes`,
    `  ${'NAME'.padEnd(10)} ${'ADDRESS'.padEnd(17)} SERVICES`,
    ...lines,
    '',
    'Try, in another terminal:',
    '  npx distlab hello --name Ada',
    '  npx distlab object --name gadget --value 21',
    '  npx distlab chat --room lab --user ada        (and again as another --user)',
    '  npx distlab inventory add --name widget --quantity 10',
    '  npx distlab inventory                         (the interactive menu)',
    `  npx distlab health ${rows.at(-1)?.address ?? ''}`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
