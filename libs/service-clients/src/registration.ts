import { status } from '@grpc/grpc-js';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import {
  createClient,
  isServiceError,
  KEEPALIVE_CHANNEL_OPTIONS,
  msToDuration,
  unaryCall,
  type ClientSettings,
  type Logger,
} from '@distlab/grpc-kit';

export interface RegistrationOptions {
  /** The registry's address, host:port. */
  registry: string;
  /** The name to register under, usually the fully qualified gRPC service name. */
  name: string;
  /** Where this process can be reached, host:port. */
  address: string;
  metadata?: Record<string, string>;
  ttlMs?: number;
  logger: Logger;
  client?: ClientSettings;
}

/** A registration kept alive in the background; `stop` deregisters. */
export interface KeptRegistration {
  /** Resolves once the first registration succeeded. */
  readonly registered: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Registers with the registry and keeps the lease alive, renewing every third of the TTL. When the registry has
 * forgotten the lease (NOT_FOUND: it expired, or the registry restarted) it registers again; when the registry cannot
 * be reached it keeps retrying with backoff (capped at the TTL), so a registry that comes back is re-populated
 * without anyone's help. `stop` deregisters, for graceful shutdown.
 */
export function keepRegistered(options: RegistrationOptions): KeptRegistration {
  const ttlMs = options.ttlMs ?? 10_000;
  const client = createClient(RegistryServiceClient, options.registry, {
    deadlineMs: Math.min(2000, ttlMs / 3),
    maxAttempts: 1,
    ...options.client,
    // The registration lives as long as the process: notice a registry behind a dead link within seconds.
    channelOptions: { ...KEEPALIVE_CHANNEL_OPTIONS, ...options.client?.channelOptions },
  });
  const log = options.logger.child({ registry: options.registry, name: options.name });
  let leaseId: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let markRegistered: () => void = () => undefined;
  /** The beat under way, if any: `stop` waits for it, so that no registration it makes outlives the deregistration. */
  let inFlight: Promise<void> = Promise.resolve();
  const registered = new Promise<void>((resolve) => (markRegistered = resolve));

  const register = async () => {
    const response = await unaryCall(client, 'register', {
      name: options.name,
      address: options.address,
      metadata: options.metadata ?? {},
      ttl: msToDuration(ttlMs),
    });
    leaseId = response.registration?.leaseId;
    log.info({ address: options.address, leaseId }, 'registered');
    markRegistered();
  };

  const beat = async () => {
    if (stopped) return;
    try {
      if (leaseId === undefined) {
        await register();
      } else {
        try {
          await unaryCall(client, 'keepAlive', { leaseId });
        } catch (error) {
          if (!isServiceError(error) || error.code !== status.NOT_FOUND) throw error;
          leaseId = undefined;
          if (stopped) return;
          log.warn('the registry forgot this lease: registering again');
          await register();
        }
      }
      failures = 0;
    } catch (error) {
      failures += 1;
      log.warn(
        { err: isServiceError(error) ? error.details : String(error), failures },
        'registry unreachable: will retry',
      );
    }
    if (stopped) return;
    const delayMs = failures === 0 ? ttlMs / 3 : Math.min(ttlMs / 3, 100 * 2 ** Math.min(failures, 10));
    timer = setTimeout(() => void (inFlight = beat()), delayMs).unref();
  };
  inFlight = beat();

  return {
    registered,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      if (leaseId !== undefined) {
        await unaryCall(client, 'deregister', { leaseId }).then(
          () => log.info('deregistered'),
          (error: unknown) => log.warn({ err: String(error) }, 'deregistration failed: the lease will expire'),
        );
      }
      client.close();
    },
  };
}
