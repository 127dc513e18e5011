import { runServerProcess, WELL_KNOWN_PORTS } from '@distlab/grpc-kit';
import { startBalancer } from './balancer-server';

void runServerProcess({
  name: 'balancer',
  description: 'The registry (name server) with leases; the load-balancing proxy comes next.',
  defaultPort: WELL_KNOWN_PORTS.balancer,
  start: ({ config, logger }) => startBalancer({ server: config, logger }),
});
