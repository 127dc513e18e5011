import { status } from '@grpc/grpc-js';
import {
  checkHealth,
  createHealthClient,
  isServiceError,
  type ClientSettings,
  type ServingStatus,
} from '@distlab/grpc-kit';
import type { EndpointHealth } from './endpoint';

export interface HealthWatchOptions {
  /** How often to ask. */
  intervalMs?: number;
  /** How long an answer may take before the backend counts as unreachable. */
  timeoutMs?: number;
  /** TLS and token for the checks (the balancer's outgoing settings). */
  client?: ClientSettings;
}

/**
 * Watches one backend with grpc.health.v1 Check, asking every `intervalMs` with a `timeoutMs` deadline, so that a
 * backend that turns NOT_SERVING is dropped within one interval and one that stops answering (dead, paused,
 * partitioned) within interval + timeout: under a second with the defaults. It asks for the registered service
 * name, or for the server as a whole ("") when the backend does not know that name. Reports transitions only.
 */
export function watchHealth(
  address: string,
  serviceName: string,
  onChange: (health: EndpointHealth) => void,
  options: HealthWatchOptions = {},
): { stop(): void } {
  const intervalMs = options.intervalMs ?? 250;
  const client = createHealthClient(address, {
    ...options.client,
    deadlineMs: options.timeoutMs ?? 700,
    maxAttempts: 1,
  });
  let service = serviceName;
  let last: EndpointHealth = 'unknown';
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const probe = async () => {
    let health: EndpointHealth;
    try {
      health = toHealth(await checkHealth(client, service));
    } catch (error) {
      if (isServiceError(error) && error.code === status.NOT_FOUND && service !== '') {
        service = '';
        return probe();
      }
      health = 'unreachable';
    }
    if (stopped) return;
    if (health !== last) {
      last = health;
      onChange(health);
    }
    timer = setTimeout(() => void probe(), intervalMs);
  };
  void probe();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      client.close();
    },
  };
}

function toHealth(serving: ServingStatus): EndpointHealth {
  return serving === 'SERVING' ? 'serving' : 'not-serving';
}
