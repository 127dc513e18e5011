import { RegistryServiceService } from '@distlab/contracts/registry/v1/registry';
import { startServer, type Logger, type RunningServer, type ServerConfig } from '@distlab/grpc-kit';
import { LeaseTable } from './registry/lease-table';
import { registryService, scheduleExpiry } from './registry/registry-service';

export interface BalancerOptions {
  server: Pick<ServerConfig, 'host' | 'port'> & Partial<ServerConfig>;
  logger: Logger;
}

/** Starts the balancer process: today the registry (name server); the proxy and its admin service join it next. */
export async function startBalancer(options: BalancerOptions): Promise<RunningServer & { leases: LeaseTable }> {
  const leases = new LeaseTable();
  const expiry = scheduleExpiry(leases, options.logger);
  const server = await startServer({
    ...options.server,
    logger: options.logger,
    services: [{ definition: RegistryServiceService, implementation: registryService(leases, options.logger) }],
  });
  server.onDrain(() => expiry.stop());
  return Object.assign(server, { leases });
}
