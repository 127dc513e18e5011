import { sharedCounter, sharedGauge } from '@distlab/grpc-kit';
import type { Endpoint } from './endpoint';

/**
 * The balancer's own figures on its /metrics endpoint: whether each backend is usable, and how many calls were given
 * to each. Series are labelled by service and backend address; a backend's health series goes when it leaves the
 * registry, so that a scrape shows the backends the balancer has now. (Its pick count stays: counters only grow.)
 */
function makeBackendMetrics() {
  return {
    up: sharedGauge({
      name: 'distlab_balancer_backend_up',
      help: 'Whether the balancer picks this backend (1: its health check says SERVING; 0: not serving or unreachable).',
      labelNames: ['service', 'backend'],
    }),
    picks: sharedCounter({
      name: 'distlab_balancer_picks_total',
      help: 'Calls the balancer gave to this backend, retries included.',
      labelNames: ['service', 'backend'],
      collect: flushPicks,
    }),
  };
}

let made: ReturnType<typeof makeBackendMetrics> | undefined;

function metrics(): ReturnType<typeof makeBackendMetrics> {
  made ??= makeBackendMetrics();
  return made;
}

const labelsOf = (endpoint: Endpoint) => ({ service: endpoint.serviceName, backend: endpoint.address });

/** Sets a backend's health series from what its health watch last saw. */
export function recordBackendHealth(endpoint: Endpoint): void {
  metrics().up.set(labelsOf(endpoint), endpoint.usable ? 1 : 0);
}

/** Removes a backend's health series when it leaves the registry. */
export function forgetBackend(endpoint: Endpoint): void {
  flushPicks();
  metrics().up.remove(labelsOf(endpoint));
}

/**
 * Picks not yet added to the counter, by endpoint. A pick is on every call's path, and prom-client's inc builds and
 * hashes the label set each time: the picks are counted here and added to the counter when it is read (a scrape) or
 * when the backend leaves, so that a scrape still shows every pick.
 */
const unreportedPicks = new Map<Endpoint, number>();

function flushPicks(): void {
  if (unreportedPicks.size === 0) return;
  const { picks } = metrics();
  for (const [endpoint, count] of unreportedPicks) picks.inc(labelsOf(endpoint), count);
  unreportedPicks.clear();
}

/** Counts a pick of a backend. */
export function recordPick(endpoint: Endpoint | undefined): Endpoint | undefined {
  if (endpoint !== undefined) unreportedPicks.set(endpoint, (unreportedPicks.get(endpoint) ?? 0) + 1);
  return endpoint;
}
