import { FactorialServiceService } from '@distlab/contracts/factorial/v1/factorial';
import {
  startServer,
  type Logger,
  type RunningServer,
  type ServerConfig,
  DEFAULT_MAX_MESSAGE_BYTES,
  outgoingClientSettings,
  advertisedAddress,
  requireAdvertisable,
} from '@distlab/grpc-kit';
import { keepRegistered } from '@distlab/service-clients';
import { FactorialEngine } from './compute/factorial-engine';
import type { FactorialArithmetic } from './compute/factorial-task';
import { factorialService } from './factorial-service';

export const FACTORIAL_SERVICE_NAME = 'distlab.factorial.v1.FactorialService';

export interface WorkerOptions {
  server: Pick<ServerConfig, 'host' | 'port'> & Partial<ServerConfig>;
  logger: Logger;
  /** The largest n this worker accepts. */
  maxN?: number;
  /** This worker's id in responses and in its registration; defaults to "worker@host:port". */
  workerId?: string;
  /** When set, register with this registry (host:port) and keep the lease alive. */
  registry?: string;
  /** The address to register (defaults to the listening address). */
  advertise?: string;
  registrationTtlMs?: number;
  threads?: number;
  /** Which GMP computes: the system's when it loads (default), or one by name; see compute/factorial-task.ts. */
  arithmetic?: FactorialArithmetic;
}

/** Starts a factorial worker; with a registry, it registers itself and deregisters when it drains. */
export async function startWorker(
  options: WorkerOptions,
): Promise<RunningServer & { engine: FactorialEngine; workerId: string }> {
  requireAdvertisable(options.server.host, options.advertise, options.registry); // Before anything starts.
  const engine = new FactorialEngine({ threads: options.threads, arithmetic: options.arithmetic });
  // Load the arithmetic now (a first computation should not pay for it) and say which one this worker uses.
  const arithmetic = await engine.arithmetic();
  options.logger.info({ arithmetic }, `factorials computed with ${arithmetic}`);
  const maxMessageBytes = options.server.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  let workerId = options.workerId ?? '';
  const service = factorialService({
    engine,
    get workerId() {
      return workerId;
    },
    maxN: options.maxN ?? 1_000_000,
    maxMessageBytes,
    logger: options.logger,
  });
  const server = await startServer({
    ...options.server,
    logger: options.logger,
    services: [{ definition: FactorialServiceService, implementation: service }],
  });
  const advertise = advertisedAddress(server, options.advertise, options.registry);
  workerId ||= `worker@${advertise}`;
  if (options.registry !== undefined) {
    const registration = keepRegistered({
      client: outgoingClientSettings(options.server),
      registry: options.registry,
      name: FACTORIAL_SERVICE_NAME,
      address: advertise,
      metadata: { workerId, pid: String(process.pid) },
      ttlMs: options.registrationTtlMs,
      logger: options.logger,
    });
    server.onDrain(() => registration.stop());
  }
  const shutdown = server.shutdown.bind(server);
  server.shutdown = async (graceMs?: number) => {
    await shutdown(graceMs);
    await engine.close();
  };
  return Object.assign(server, { engine, workerId });
}
