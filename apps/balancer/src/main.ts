import { Option } from 'commander';
import { parseInteger, runServerProcess, WELL_KNOWN_PORTS } from '@distlab/grpc-kit';
import { startBalancer } from './balancer-server';
import { REGISTRATIONS_PER_CLIENT_MAX } from './registry/lease-table';

void runServerProcess({
  name: 'balancer',
  description: 'The registry (name server) with leases; the load-balancing proxy comes next.',
  defaultPort: WELL_KNOWN_PORTS.balancer,
  configure: (command) =>
    command.addOption(
      new Option(
        '--registrations-per-client-max <n>',
        'live registrations one client address may hold; more are refused with RESOURCE_EXHAUSTED',
      )
        .env('DISTLAB_REGISTRATIONS_PER_CLIENT_MAX')
        .default(REGISTRATIONS_PER_CLIENT_MAX)
        .argParser(parseInteger('--registrations-per-client-max', 1, 1_000_000)),
    ),
  start: ({ config, options, logger }) =>
    startBalancer({
      server: config,
      logger,
      registry: { registrationsPerClientMax: options['registrationsPerClientMax'] as number },
    }),
});
