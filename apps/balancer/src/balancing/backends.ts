import type { Logger } from '@distlab/grpc-kit';
import type { LeaseTable, RegistryChange } from '../registry/lease-table';
import { Endpoint, type EndpointHealth } from './endpoint';
import { forgetBackend, recordBackendHealth, recordPick } from './backend-metrics';
import { watchHealth, type HealthWatch, type HealthWatchOptions } from './health-watcher';
import type { Picker } from './picker';
import { STRATEGIES, type StrategyName } from './picker-strategies';

interface ServiceBackends {
  endpoints: Map<string, { endpoint: Endpoint; watch: HealthWatch }>;
  picker: Picker;
}

/**
 * The balancer's view of every service: the endpoints the registry lists, each watched for health, and one picker per
 * service over the usable ones. A picker is rebuilt, never edited, whenever membership, health or the strategy
 * changes; calls in progress keep the picker they started with.
 */
export class Backends {
  private readonly services = new Map<string, ServiceBackends>();
  private strategyName: StrategyName = 'round_robin';
  callsWithoutBackend = 0;
  callsRetried = 0;

  constructor(
    leases: LeaseTable,
    private readonly options: {
      logger: Logger;
      random?: () => number;
      health?: HealthWatchOptions;
      now?: () => number;
    },
  ) {
    leases.onChange((change) => this.onRegistryChange(change));
  }

  get strategy(): StrategyName {
    return this.strategyName;
  }

  set strategy(name: StrategyName) {
    this.strategyName = name;
    for (const [serviceName, backends] of this.services) backends.picker = this.buildPicker(serviceName, backends);
  }

  /** Whether any endpoint of the service is registered (usable or not). */
  knows(serviceName: string): boolean {
    return (this.services.get(serviceName)?.endpoints.size ?? 0) > 0;
  }

  pick(serviceName: string, exclude?: ReadonlySet<Endpoint>): Endpoint | undefined {
    return recordPick(this.services.get(serviceName)?.picker.pick(exclude));
  }

  /**
   * A call found the endpoint's connection broken: stop picking it now, and have its health watch ask afresh, so that
   * the health check has the last word: the endpoint is back as soon as its health answers SERVING. Only a broken
   * connection is reported here, never a stream the backend refused (see ProxiedCall).
   */
  reportUnreachable(endpoint: Endpoint): void {
    const entry = this.services.get(endpoint.serviceName)?.endpoints.get(endpoint.address);
    if (entry?.endpoint !== endpoint) return;
    this.setHealth(endpoint, 'unreachable');
    entry.watch.recheck();
  }

  /** Every endpoint, by service name and address. */
  endpoints(serviceName = ''): Endpoint[] {
    return [...this.services.entries()]
      .filter(([name]) => serviceName === '' || name === serviceName)
      .flatMap(([, backends]) => [...backends.endpoints.values()].map((entry) => entry.endpoint))
      .sort((a, b) => a.serviceName.localeCompare(b.serviceName) || a.address.localeCompare(b.address));
  }

  close(): void {
    for (const backends of this.services.values()) for (const { watch } of backends.endpoints.values()) watch.stop();
    this.services.clear();
  }

  private onRegistryChange(change: RegistryChange): void {
    // A replacement is always followed by the new registration of the same address: keep the endpoint as it is.
    if (change.kind === 'replaced') return;
    const { name, address } = change.registration;
    const backends = this.services.get(name) ?? { endpoints: new Map(), picker: { pick: () => undefined } };
    this.services.set(name, backends);
    const existing = backends.endpoints.get(address);
    if (change.kind === 'registered' && existing === undefined) {
      const endpoint = new Endpoint(name, address);
      const watch = watchHealth(address, name, (health) => this.setHealth(endpoint, health), this.options.health);
      backends.endpoints.set(address, { endpoint, watch });
      recordBackendHealth(endpoint);
      this.options.logger.info({ service: name, address }, 'backend added');
    } else if ((change.kind === 'deregistered' || change.kind === 'expired') && existing !== undefined) {
      existing.watch.stop();
      backends.endpoints.delete(address);
      forgetBackend(existing.endpoint);
      this.options.logger.info({ service: name, address, reason: change.kind }, 'backend removed');
    }
    backends.picker = this.buildPicker(name, backends);
  }

  private setHealth(endpoint: Endpoint, health: EndpointHealth): void {
    if (endpoint.health === health) return;
    const backends = this.services.get(endpoint.serviceName);
    if (backends?.endpoints.get(endpoint.address)?.endpoint !== endpoint) return;
    this.options.logger.info(
      { service: endpoint.serviceName, address: endpoint.address, from: endpoint.health, to: health },
      'backend health',
    );
    endpoint.health = health;
    recordBackendHealth(endpoint);
    backends.picker = this.buildPicker(endpoint.serviceName, backends);
  }

  private buildPicker(_serviceName: string, backends: ServiceBackends): Picker {
    const usable = [...backends.endpoints.values()]
      .map((entry) => entry.endpoint)
      .filter((endpoint) => endpoint.usable);
    return STRATEGIES[this.strategyName](usable, this.options.random ?? Math.random);
  }
}
