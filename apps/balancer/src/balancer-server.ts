import { BalancerServiceService } from '@distlab/contracts/balancer/v1/balancer';
import { RegistryServiceService } from '@distlab/contracts/registry/v1/registry';
import { startServer, type Logger, type ServerConfig, outgoingClientSettings } from '@distlab/grpc-kit';
import { balancerService } from './balancer-service';
import { Backends } from './balancing/backends';
import type { HealthWatchOptions } from './balancing/health-watcher';
import { GrpcProxy } from './proxy/grpc-proxy';
import { contractMethodShapes } from './proxy/method-shape';
import { LeaseTable, type LeaseTableOptions } from './registry/lease-table';
import { registryService, scheduleExpiry } from './registry/registry-service';

export interface BalancerOptions {
  server: Pick<ServerConfig, 'host' | 'port'> & Partial<ServerConfig>;
  logger: Logger;
  health?: HealthWatchOptions;
  random?: () => number;
  /** The registry's limits (see LeaseTable). */
  registry?: Pick<LeaseTableOptions, 'registrationsPerClientMax'>;
}

export interface RunningBalancer {
  /** host:port of the public face: the proxy, which also answers the registry, admin, health and reflection. */
  address: string;
  port: number;
  leases: LeaseTable;
  backends: Backends;
  shutdown(graceMs?: number): Promise<void>;
}

const LOCAL_PROTOCOL_SERVICES = [
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
];

/**
 * The balancer process: the registry and the admin service on a gRPC server bound to loopback, and in front of it the
 * generic proxy on the public port, which answers those services itself (through the loopback server) and forwards
 * every other call to a live backend of its service.
 */
export async function startBalancer(options: BalancerOptions): Promise<RunningBalancer> {
  const { logger } = options;
  const leases = new LeaseTable(options.registry);
  const expiry = scheduleExpiry(leases, logger);
  const outgoing = outgoingClientSettings(options.server);
  const backends = new Backends(leases, {
    logger,
    health: { ...options.health, client: outgoing },
    random: options.random,
  });
  // The registry and admin service listen on loopback for the proxy alone: plaintext, but with the token required.
  const local = await startServer({
    ...options.server,
    tls: undefined,
    host: '127.0.0.1',
    port: 0,
    announce: false,
    logger,
    services: [
      { definition: RegistryServiceService, implementation: registryService(leases, logger) },
      { definition: BalancerServiceService, implementation: balancerService(backends, logger) },
    ],
  });
  const proxy = new GrpcProxy({
    backends,
    localAddress: local.address,
    localServices: new Set([...local.serviceNames, ...LOCAL_PROTOCOL_SERVICES]),
    methodShape: contractMethodShapes(),
    logger,
    tls: options.server.tls,
    backendCaFile: options.server.clientTls?.caFile,
  });
  const port = await proxy.listen(options.server.host, options.server.port);
  const host = options.server.host === '0.0.0.0' ? '127.0.0.1' : options.server.host;
  const address = `${host}:${port}`;
  logger.info({ address, services: local.serviceNames, proxy: true }, 'serving');
  return {
    address,
    port,
    leases,
    backends,
    shutdown: async (graceMs = 10_000) => {
      local.setServing(false);
      await proxy.close(graceMs);
      expiry.stop();
      backends.close();
      await local.shutdown(0);
    },
  };
}
