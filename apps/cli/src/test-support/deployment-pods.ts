import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PostgresAccount } from '@distlab/testing';
import { WORKSPACE_ROOT } from '@distlab/testing';
import { workloadContainers, type DeployedContainer, type K8sObject } from './deployment-files';

/**
 * One pod of a deployment file (a compose service or a Kubernetes pod), as a host of a virtual network runs it: the
 * host's name, the names that resolve to it (its service and DNS names), and what runs there: a distlab container,
 * resolved for the pod's address once the network has given it one, or the PostgreSQL the file asks for.
 */
export interface PodPlan {
  host: string;
  names: string[];
  container?: (podIP: string) => DeployedContainer;
  postgres?: PostgresAccount;
}

/** The database account the official PostgreSQL image makes from its POSTGRES_* variables. */
function postgresAccount(env: Record<string, string>): PostgresAccount {
  const user = env['POSTGRES_USER'] ?? 'postgres';
  const password = env['POSTGRES_PASSWORD'];
  if (password === undefined) throw new Error('a PostgreSQL container without POSTGRES_PASSWORD');
  return { user, password, database: env['POSTGRES_DB'] ?? user };
}

const stringValues = (record: Record<string, unknown> | undefined) =>
  Object.fromEntries(Object.entries(record ?? {}).map(([key, value]) => [key, String(value)]));

/** compose.yaml's services as pods: each service one host, named as the service (compose's DNS name for it). */
export function composePods(): PodPlan[] {
  const compose = parse(readFileSync(join(WORKSPACE_ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, K8sObject>;
  };
  const pods: PodPlan[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    const env = stringValues(service['environment']);
    if (String(service['image']).startsWith('postgres:'))
      pods.push({ host: name, names: [name], postgres: postgresAccount(env) });
    else if (service['image'] === 'distlab:latest' && service['command'] !== undefined)
      pods.push({
        host: name,
        names: [name],
        container: () => ({
          where: `compose ${name}`,
          argv: (service['command'] as unknown[]).map(String),
          env,
          hostname: name,
          ports: {},
          probePorts: [],
        }),
      });
  }
  return pods;
}

/**
 * The kustomize output's workloads as pods, each replica a host: a StatefulSet's pods by their stable names
 * (`peer-0`, resolvable as `peer-0.peers`, the headless Service's name for it), a Deployment's by a name of its own;
 * a Service's name resolves to the first pod it selects (one replica each, where a client uses it).
 */
export function kubernetesPods(objects: K8sObject[]): PodPlan[] {
  const workloads = objects.filter((object) => ['Deployment', 'StatefulSet'].includes(object['kind']));
  const services = objects.filter((object) => object['kind'] === 'Service');
  const namespace = workloads[0]?.['metadata']['namespace'] as string;
  const pods: Array<PodPlan & { labels: Record<string, string> }> = [];
  for (const workload of workloads) {
    const name = workload['metadata']['name'] as string;
    const labels = workload['spec']['template']['metadata']['labels'] as Record<string, string>;
    const image = (workload['spec']['template']['spec']['containers'] as K8sObject[])[0]['image'] as string;
    for (let ordinal = 0; ordinal < (workload['spec']['replicas'] ?? 1); ordinal += 1) {
      const stateful = workload['kind'] === 'StatefulSet';
      const host = stateful ? `${name}-${ordinal}` : `${name}-pod-${ordinal}`;
      const serviceName = workload['spec']['serviceName'] as string | undefined;
      const stableNames = stateful
        ? [`${host}.${serviceName}`, `${host}.${serviceName}.${namespace}.svc.cluster.local`]
        : [];
      const pod: PodPlan & { labels: Record<string, string> } = { host, names: stableNames, labels };
      if (image === 'distlab')
        pod.container = (podIP) => {
          const [container] = workloadContainers(workload, objects, host, podIP);
          return container;
        };
      else if (image.startsWith('postgres:'))
        pod.postgres = postgresAccount(workloadContainers(workload, objects, host, '', image)[0].env);
      pods.push(pod);
    }
  }
  for (const service of services) {
    const selector = service['spec']['selector'] as Record<string, string>;
    const selected = pods.find((pod) => Object.entries(selector).every(([key, value]) => pod.labels[key] === value));
    const name = service['metadata']['name'] as string;
    selected?.names.push(name, `${name}.${namespace}.svc.cluster.local`);
  }
  return pods.map(({ labels: _labels, ...pod }) => pod);
}
