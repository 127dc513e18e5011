import { runServerProcess, startServer, WELL_KNOWN_PORTS } from '@distlab/grpc-kit';

void runServerProcess({
  name: 'inventory-service',
  description:
    'The inventory service (InventoryService arrives with the inventory issue; until then: health and reflection).',
  defaultPort: WELL_KNOWN_PORTS.inventory,
  start: ({ config, logger }) => startServer({ ...config, logger, services: [] }),
});
