import { Strategy, type BalancerServiceServer, BackendHealth } from '@distlab/contracts/balancer/v1/balancer';
import { Code, createHandlers, StatusError, type Logger } from '@distlab/grpc-kit';
import type { Backends } from './balancing/backends';
import type { EndpointHealth } from './balancing/endpoint';
import type { StrategyName } from './balancing/picker-strategies';

const STRATEGY_NAMES: Partial<Record<Strategy, StrategyName>> = {
  [Strategy.STRATEGY_ROUND_ROBIN]: 'round_robin',
  [Strategy.STRATEGY_RANDOM]: 'random',
  [Strategy.STRATEGY_LEAST_OUTSTANDING]: 'least_outstanding',
};
const STRATEGY_VALUES = Object.fromEntries(
  Object.entries(STRATEGY_NAMES).map(([value, name]) => [name, Number(value)]),
) as Record<StrategyName, Strategy>;
const HEALTH_VALUES: Record<EndpointHealth, BackendHealth> = {
  unknown: BackendHealth.BACKEND_HEALTH_UNSPECIFIED,
  serving: BackendHealth.BACKEND_HEALTH_SERVING,
  'not-serving': BackendHealth.BACKEND_HEALTH_NOT_SERVING,
  unreachable: BackendHealth.BACKEND_HEALTH_UNREACHABLE,
};

/** The balancer's admin service: what it does (per-backend counters) and how it picks (the strategy). */
export function balancerService(backends: Backends, logger: Logger): BalancerServiceServer {
  const handlers = createHandlers({ logger });
  return {
    getStats: handlers.unary((request) => ({
      strategy: STRATEGY_VALUES[backends.strategy],
      backends: backends.endpoints(request.serviceName).map((endpoint) => ({
        serviceName: endpoint.serviceName,
        address: endpoint.address,
        health: HEALTH_VALUES[endpoint.health],
        callsStarted: String(endpoint.callsStarted),
        callsSucceeded: String(endpoint.callsSucceeded),
        callsFailed: String(endpoint.callsFailed),
        callsInFlight: endpoint.inFlight,
      })),
      callsWithoutBackend: String(backends.callsWithoutBackend),
      callsRetried: String(backends.callsRetried),
    })),
    setStrategy: handlers.unary((request) => {
      const name = STRATEGY_NAMES[request.strategy];
      if (name === undefined) {
        throw new StatusError(Code.INVALID_ARGUMENT, 'strategy must be ROUND_ROBIN, RANDOM or LEAST_OUTSTANDING');
      }
      const previous = STRATEGY_VALUES[backends.strategy];
      backends.strategy = name;
      logger.info({ strategy: name }, 'strategy changed');
      return { previousStrategy: previous, strategy: request.strategy };
    }),
  };
}
