import { InventoryServiceService } from '@distlab/contracts/inventory/v1/inventory';
import {
  startServer,
  type Logger,
  type RunningServer,
  type ServerConfig,
  outgoingClientSettings,
  advertisedAddress,
  requireAdvertisable,
} from '@distlab/grpc-kit';
import { keepRegistered } from '@distlab/service-clients';
import { inventoryService } from './inventory-service';
import type { InventoryStore } from './store/inventory-store';
import { PostgresStore } from './store/postgres-store';
import { SqliteStore } from './store/sqlite-store';

/** Idempotency keys are kept a day (the contract promises 24 hours), and purged hourly. */
const REQUEST_KEY_TTL_MS = 24 * 60 * 60 * 1000;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export type StorageOptions = { databaseUrl: string } | { dataDir: string; sqliteSync?: 'normal' | 'full' };

export async function openStore(storage: StorageOptions): Promise<InventoryStore> {
  return 'databaseUrl' in storage
    ? PostgresStore.open(storage.databaseUrl)
    : new SqliteStore(storage.dataDir, { synchronous: storage.sqliteSync });
}

/** Starts the inventory service on a store; the store closes when the server has drained. */
export async function startInventory(options: {
  server: Pick<ServerConfig, 'host' | 'port'> & Partial<ServerConfig>;
  store: InventoryStore;
  logger: Logger;
  /** When set, register with this registry (host:port) so that the balancer can front several replicas. */
  registry?: string;
  /** The address to register (defaults to the listening address). */
  advertise?: string;
}): Promise<RunningServer> {
  const { store, logger } = options;
  requireAdvertisable(options.server.host, options.advertise, options.registry); // Before anything starts.
  await store.purgeRequestKeys(REQUEST_KEY_TTL_MS);
  const purge = setInterval(() => {
    store
      .purgeRequestKeys(REQUEST_KEY_TTL_MS)
      .catch((error: unknown) => logger.warn({ err: error }, 'purging request keys failed'));
  }, PURGE_INTERVAL_MS).unref();
  const server = await startServer({
    ...options.server,
    logger,
    services: [{ definition: InventoryServiceService, implementation: inventoryService(store, logger) }],
  });
  if (options.registry !== undefined) {
    const registration = keepRegistered({
      client: outgoingClientSettings(options.server),
      registry: options.registry,
      name: 'distlab.inventory.v1.InventoryService',
      address: advertisedAddress(server, options.advertise, options.registry),
      metadata: { engine: store.engine, pid: String(process.pid) },
      logger,
    });
    server.onDrain(() => registration.stop());
  }
  const shutdown = server.shutdown.bind(server);
  server.shutdown = async (graceMs?: number) => {
    await shutdown(graceMs);
    clearInterval(purge);
    await store.close();
  };
  logger.info({ engine: store.engine }, 'inventory storage ready');
  return server;
}
