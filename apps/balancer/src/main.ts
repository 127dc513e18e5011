import { runServerProcess, startServer, WELL_KNOWN_PORTS } from '@distlab/grpc-kit';

void runServerProcess({
  name: 'balancer',
  description:
    'The registry and load balancer (they arrive with the balancer issue; until then: health and reflection).',
  defaultPort: WELL_KNOWN_PORTS.balancer,
  start: ({ config, logger }) => startServer({ ...config, logger, services: [] }),
});
