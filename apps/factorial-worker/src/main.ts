import { Option } from 'commander';
import { parseAdvertise, parseInteger, runServerProcess, WELL_KNOWN_PORTS } from '@distlab/grpc-kit';
import type { FactorialArithmetic } from './compute/factorial-task';
import { startWorker } from './worker-server';

void runServerProcess({
  name: 'factorial-worker',
  description: 'Computes n! exactly on a pool of worker threads; registers itself with the registry when given one.',
  defaultPort: WELL_KNOWN_PORTS.factorialWorker,
  configure: (command) =>
    command
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
      .addOption(new Option('--worker-id <id>', "this worker's id in answers and in the registry"))
      .addOption(
        new Option('--max-n <n>', 'the largest n accepted')
          .default(1_000_000)
          .argParser(parseInteger('--max-n', 0, 10_000_000)),
      )
      .addOption(
        new Option('--arithmetic <name>', "which GMP computes (auto: the system's libgmp when built, else gmp-wasm)")
          .choices(['auto', 'system-gmp', 'gmp-wasm'])
          .default('auto'),
      )
      .addOption(
        new Option('--registration-ttl-ms <ms>', 'lease time to live')
          .default(10_000)
          .argParser(parseInteger('--registration-ttl-ms', 1000, 3_600_000)),
      ),
  start: ({ config, options, logger }) =>
    startWorker({
      server: config,
      logger,
      registry: options['registry'] as string | undefined,
      advertise: options['advertise'] as string | undefined,
      workerId: options['workerId'] as string | undefined,
      maxN: options['maxN'] as number,
      registrationTtlMs: options['registrationTtlMs'] as number,
      arithmetic: options['arithmetic'] as FactorialArithmetic,
    }),
});
