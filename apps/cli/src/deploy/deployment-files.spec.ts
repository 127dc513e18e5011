import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SpawnedProcess, WORKSPACE_ROOT } from '@distlab/testing';
import { planSystem } from '../up/system';
import {
  checkWithAppParser,
  K8S_DIR,
  kustomizedObjects,
  workloadContainers,
  type CheckedConfig,
  type DeployedContainer,
  type K8sObject,
} from '../test-support/deployment-files';

// The container image, compose file and Kubernetes manifests cannot run here (no container runtime, no cluster), so
// this checks them honestly from the outside: every distlab container's command, arguments and environment are
// resolved as its runtime would (compose merges, Kubernetes $(VAR) expansion and downward API, the image's entry
// script) and handed to that app's own option parser (--check-config), which must accept them; and ports, probes,
// service names and selectors must agree across the files. What this does not show is said in docs/deploy.md.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { resolveContainerCommand, APPS } = require(join(WORKSPACE_ROOT, 'deploy', 'container-entry.cjs')) as {
  resolveContainerCommand(
    argv: string[],
    env: Record<string, string>,
    hostname: string,
  ): { app: string; entry: string; args: string[]; env: Record<string, string> };
  APPS: Record<string, string>;
};

/** Resolves a container as the image's entry script does and runs the app's parser on it. */
async function check(container: DeployedContainer): Promise<CheckedConfig & { app: string }> {
  const resolved = resolveContainerCommand(container.argv, container.env, container.hostname);
  try {
    return { app: resolved.app, ...(await checkWithAppParser(resolved.app, resolved.args, resolved.env)) };
  } catch (error) {
    throw new Error(`${container.where}: ${(error as Error).message}`);
  }
}

const hostOf = (address: string) => address.slice(0, address.lastIndexOf(':'));
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

describe('the container image', () => {
  const dockerfile = readFileSync(join(WORKSPACE_ROOT, 'Dockerfile'), 'utf8');

  it('builds in one stage and runs compiled JavaScript as a non-root user in another', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/npx nx run-many -t build/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "deploy\/container-entry.cjs"\]$/m);
  });

  it("maps each app name to the file its project's build writes", () => {
    for (const [app, entry] of Object.entries(APPS)) {
      const project = entry.split('/').slice(0, 2).join('/');
      const tsconfig = JSON.parse(readFileSync(join(WORKSPACE_ROOT, project, 'tsconfig.app.json'), 'utf8'));
      expect(`${project}/${tsconfig.compilerOptions.outDir}/main.js`).toBe(entry);
      expect(app).toMatch(/^[a-z]+$/);
    }
  });

  it('gives a StatefulSet pod the peer id of its ordinal plus one, and refuses an unknown app', () => {
    const env = { DISTLAB_PEER_ID_FROM: 'hostname-ordinal' };
    expect(resolveContainerCommand(['peer'], env, 'peer-0').env).toEqual({ DISTLAB_PEER_ID: '1' });
    expect(resolveContainerCommand(['peer'], env, 'peer-4').env).toEqual({ DISTLAB_PEER_ID: '5' });
    expect(() => resolveContainerCommand(['peer'], env, 'laptop')).toThrow('ends in no ordinal');
    expect(() => resolveContainerCommand(['nginx'], {}, 'x')).toThrow('the first argument names the app');
  });
});

// The compiled apps exist once `nx build` has run (CI's test command builds first; a test may still start before every
// build ends, as tests do not depend on builds here): without them this part is skipped, saying so.
const compiledMissing = Object.values(APPS).filter((entry) => !existsSync(join(WORKSPACE_ROOT, entry)));
if (compiledMissing.length > 0)
  console.warn(`skipped: the image's compiled entries are not built yet (${compiledMissing.join(', ')}): run nx build`);
const describeCompiled = compiledMissing.length === 0 ? describe : describe.skip;

describeCompiled("the image's entry script on the compiled apps", () => {
  it('starts each app from its compiled JavaScript, as the image does, and the CLI too', async () => {
    for (const app of ['balancer', 'peer', 'worker', 'inventory']) {
      const run = spawnNode(['deploy/container-entry.cjs', app, '--check-config', '--host', '0.0.0.0']);
      expect(await run.exited()).toBe(0);
      expect(JSON.parse(run.lines[0]).config.host).toBe('0.0.0.0');
    }
    const cli = spawnNode(['deploy/container-entry.cjs', 'distlab', '--help']);
    expect(await cli.exited()).toBe(0);
    expect(cli.lines.join('\n')).toContain('join');
  }, 60_000);
});

/** Runs plain `node` in the workspace root, as the image's entrypoint does: no TypeScript loader, no source condition. */
function spawnNode(args: string[]): SpawnedProcess {
  return new SpawnedProcess(spawn(process.execPath, args, { cwd: WORKSPACE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
}

describe('the Kubernetes manifests (kustomize)', () => {
  const { kustomization, objects } = kustomizedObjects();
  const ofKind = (kind: string) => objects.filter((object) => object['kind'] === kind);
  const workloads = [...ofKind('Deployment'), ...ofKind('StatefulSet')];
  const services = ofKind('Service');
  const labelsOf = (workload: K8sObject) =>
    workload['spec']['template']['metadata']['labels'] as Record<string, string>;
  const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(selector).every(([key, value]) => labels[key] === value);

  it('lists every manifest of the folder in the kustomization, each object once', () => {
    const files = readdirSync(K8S_DIR).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
    expect([...kustomization['resources']].sort()).toEqual(files.sort());
    const names = objects.map((object) => `${object['kind']}/${object['metadata']['name']}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('runs the balancer, workers and inventory as Deployments, the peers and PostgreSQL as StatefulSets', () => {
    const kinds = Object.fromEntries(workloads.map((workload) => [workload['metadata']['name'], workload['kind']]));
    expect(kinds).toEqual({
      balancer: 'Deployment',
      worker: 'Deployment',
      inventory: 'Deployment',
      peer: 'StatefulSet',
      postgres: 'StatefulSet',
    });
    const inventory = workloads.find((workload) => workload['metadata']['name'] === 'inventory')!;
    expect(inventory['spec']['replicas']).toBe(2);
  });

  it('gives every container resource requests and every distlab container gRPC readiness and liveness probes', () => {
    for (const workload of workloads)
      for (const container of workload['spec']['template']['spec']['containers'] as K8sObject[]) {
        expect(container['resources']?.['requests']).toMatchObject({
          cpu: expect.any(String),
          memory: expect.any(String),
        });
        if (container['image'] === 'distlab') {
          expect(container['readinessProbe']['grpc']['port']).toBe(container['ports'][0]['containerPort']);
          expect(container['livenessProbe']['grpc']['port']).toBe(container['ports'][0]['containerPort']);
        }
      }
  });

  it('selects workloads with every Service and PodDisruptionBudget, on ports their containers name', () => {
    for (const service of services) {
      const workload = workloads.find((candidate) => selects(service['spec']['selector'], labelsOf(candidate)));
      expect(workload).toBeDefined();
      const containerPorts = (workload!['spec']['template']['spec']['containers'] as K8sObject[]).flatMap(
        (container) => container['ports'] as K8sObject[],
      );
      for (const port of service['spec']['ports'] as K8sObject[])
        expect(containerPorts.map((candidate) => candidate['name'])).toContain(port['targetPort']);
    }
    for (const budget of ofKind('PodDisruptionBudget'))
      expect(workloads.some((workload) => selects(budget['spec']['selector']['matchLabels'], labelsOf(workload)))).toBe(
        true,
      );
    for (const statefulSet of ofKind('StatefulSet')) {
      const headless = services.find((service) => service['metadata']['name'] === statefulSet['spec']['serviceName']);
      expect(headless?.['spec']['clusterIP']).toBe('None');
    }
  });

  it("has each app's own parser accept every container's arguments and environment, and they agree", async () => {
    const servicePort = (name: string) =>
      (
        services.find((service) => service['metadata']['name'] === name)?.['spec']['ports'] as K8sObject[] | undefined
      )?.[0]?.['port'];
    for (const workload of workloads) {
      const name = workload['metadata']['name'] as string;
      const pods = workload['kind'] === 'StatefulSet' ? [`${name}-0`, `${name}-2`] : [`${name}-7f9c4-x2k8q`];
      for (const pod of pods)
        for (const container of workloadContainers(workload, objects, pod)) {
          const checked = await check(container);
          expect(checked.config.host).toBe('0.0.0.0');
          expect(checked.config.port).toBe(container.ports['grpc']);
          expect(container.probePorts).toEqual([checked.config.port, checked.config.port]);
          expect(checked.config.metrics).toEqual({ host: '0.0.0.0', port: container.ports['metrics'] });
          const registry = checked.options['registry'] as string | undefined;
          if (registry !== undefined) expect(servicePort(hostOf(registry))).toBe(portOf(registry));
          if (checked.app !== 'peer') continue;
          // A peer's id is its ordinal plus one; it advertises its stable name under the headless Service.
          expect(checked.options['id']).toBe(Number(pod.split('-').at(-1)) + 1);
          const advertise = checked.options['advertise'] as string;
          expect(advertise).toBe(`${pod}.${workload['spec']['serviceName']}:${checked.config.port}`);
          expect(servicePort(workload['spec']['serviceName'])).toBe(checked.config.port);
        }
    }
  }, 120_000);
});

describe('compose.yaml', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const compose = parse(readFileSync(join(WORKSPACE_ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as any;
  const services = compose.services as Record<string, K8sObject>;
  const servers = Object.entries(services).filter(
    ([, service]) => service['image'] === 'distlab:latest' && service['command'],
  );

  function containerOf(name: string, service: K8sObject): DeployedContainer {
    const healthTarget = (service['healthcheck']['test'] as string[]).at(-1)!;
    return {
      where: `compose ${name}`,
      argv: (service['command'] as unknown[]).map(String),
      env: Object.fromEntries(Object.entries(service['environment'] ?? {}).map(([key, value]) => [key, String(value)])),
      hostname: name,
      ports: { grpc: portOf(healthTarget) },
      probePorts: [],
    };
  }

  it('runs what `distlab up` runs, with the inventory on PostgreSQL in two replicas', () => {
    const plan = planSystem({ peers: 5, workers: 2, basePort: 50_050, dataDir: 'd', eventsDir: 'e', stateDir: 's' });
    const count = (apps: string[]) =>
      apps.reduce<Record<string, number>>((all, app) => ({ ...all, [app]: (all[app] ?? 0) + 1 }), {});
    const planned = count([plan.balancer, ...plan.others].map((spec) => spec.app));
    const names: Record<string, string> = { 'factorial-worker': 'worker', 'inventory-service': 'inventory' };
    const expected = Object.fromEntries(Object.entries(planned).map(([app, n]) => [names[app] ?? app, n]));
    expect(count(servers.map(([, service]) => service['command'][0]))).toEqual({ ...expected, inventory: 2 });
    // The peers keep the clocks `distlab up` sets wrong on purpose, so the time demos show the same.
    for (const spec of plan.others.filter((candidate) => candidate.app === 'peer')) {
      const service = services[spec.name];
      const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];
      for (const name of ['--id', '--port', '--clock-skew-ms', '--clock-drift-ppm'])
        expect(flag(service['command'], name)).toBe(flag(spec.args, name));
    }
  });

  it("has each app's own parser accept every service's command and environment, and they agree", async () => {
    for (const [name, service] of servers) {
      const checked = await check(containerOf(name, service));
      expect(checked.config.host).toBe('0.0.0.0');
      expect(checked.config.port).toBe(portOf((service['healthcheck']['test'] as string[]).at(-1)!));
      for (const dependency of Object.keys(service['depends_on'] ?? {})) expect(services[dependency]).toBeDefined();
      const registry = checked.options['registry'] as string | undefined;
      if (registry !== undefined) {
        const balancer = services[hostOf(registry)];
        expect(balancer['command']).toEqual(expect.arrayContaining(['--port', String(portOf(registry))]));
        expect(checked.options['advertise']).toBe(name);
      }
      const databaseUrl = checked.options['databaseUrl'] as string | undefined;
      if (databaseUrl !== undefined) expect(services[new URL(databaseUrl).hostname]?.['image']).toMatch(/^postgres:/);
    }
  }, 120_000);
});
