import { resolve } from 'node:path';
import { Option } from 'commander';
import { parseAdvertise, runServerProcess, WELL_KNOWN_PORTS } from '@distlab/grpc-kit';
import { openStore, startInventory, type StorageOptions } from './inventory-server';

void runServerProcess({
  name: 'inventory-service',
  description: 'The durable inventory: SQLite in a data directory by default, PostgreSQL with --database-url.',
  defaultPort: WELL_KNOWN_PORTS.inventory,
  configure: (command) =>
    command
      .addOption(
        new Option('--data-dir <dir>', 'SQLite: where the database file lives (created on first run)')
          .env('DISTLAB_DATA_DIR')
          .default('.distlab/inventory'),
      )
      .addOption(
        new Option('--sqlite-sync <mode>', 'SQLite: normal survives process crashes; full also survives power loss')
          .choices(['normal', 'full'])
          .default('normal'),
      )
      .addOption(
        new Option('--registry <host:port>', 'register with this registry and keep the lease alive').env(
          'DISTLAB_REGISTRY',
        ),
      )
      .addOption(
        new Option(
          '--advertise <host[:port]>',
          'the address to register, as other machines dial it (default: the listening address)',
        )
          .env('DISTLAB_ADVERTISE')
          .argParser(parseAdvertise),
      )
      .addOption(
        new Option('--database-url <url>', 'use PostgreSQL (postgres://…), shared by every replica').env(
          'DISTLAB_DATABASE_URL',
        ),
      ),
  start: async ({ config, options, logger }) => {
    const databaseUrl = options['databaseUrl'] as string | undefined;
    const storage: StorageOptions =
      databaseUrl !== undefined
        ? { databaseUrl }
        : { dataDir: resolve(options['dataDir'] as string), sqliteSync: options['sqliteSync'] as 'normal' | 'full' };
    return startInventory({
      server: config,
      store: await openStore(storage),
      logger,
      registry: options['registry'] as string | undefined,
      advertise: options['advertise'] as string | undefined,
    });
  },
});
