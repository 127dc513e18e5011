import { runServerProcess, startServer, WELL_KNOWN_PORTS } from '@distlab/grpc-kit';

void runServerProcess({
  name: 'factorial-worker',
  description:
    'A factorial worker (FactorialService arrives with the balancer issue; until then: health and reflection).',
  defaultPort: WELL_KNOWN_PORTS.factorialWorker,
  start: ({ config, logger }) => startServer({ ...config, logger, services: [] }),
});
