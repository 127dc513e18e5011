import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { spawnTypeScript, WORKSPACE_ROOT } from '@distlab/testing';

/** A container as a deployment file defines it, resolved as its runtime would: arguments expanded, environment set. */
export interface DeployedContainer {
  /** Where it comes from, for messages: "k8s StatefulSet/peer (pod peer-2)" or "compose peer-1". */
  where: string;
  /** The image's command line: the app's name first, then its flags. */
  argv: string[];
  env: Record<string, string>;
  hostname: string;
  /** Named container ports (Kubernetes) or the port its health check dials (compose). */
  ports: Record<string, number>;
  /** Ports the orchestrator probes with gRPC health checks. */
  probePorts: number[];
}

/**
 * A Kubernetes object, as loosely typed as YAML gives it: its values are what JSON.parse returns, so the test reads
 * nested fields directly and its assertions check their shapes. (Spelled this way, not as \`any\`, because the
 * declaration emitted for type-checking is linted too.)
 */
export type K8sObject = Record<string, ReturnType<typeof JSON.parse>>;

export const K8S_DIR = join(WORKSPACE_ROOT, 'deploy', 'k8s');

/** Every object of the kustomization, in the order of its resources, with its namespace applied. */
export function kustomizedObjects(): { kustomization: K8sObject; objects: K8sObject[] } {
  const kustomization = parse(readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8')) as K8sObject;
  const objects = (kustomization['resources'] as string[]).flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8')).map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
      const object = document.toJS() as K8sObject;
      if (object['kind'] !== 'Namespace')
        object['metadata'] = { namespace: kustomization['namespace'], ...object['metadata'] };
      return object;
    }),
  );
  return { kustomization, objects };
}

/** A pod's address when none is given: a sample from a typical pod network. */
const SAMPLE_POD_IP = '10.244.1.7';

/** Values of the downward API, as the kubelet would fill them in for `podName` at `podIP`. */
function fieldValue(fieldPath: string, podName: string, podIP: string): string {
  if (fieldPath === 'metadata.name') return podName;
  if (fieldPath === 'status.podIP') return podIP;
  throw new Error(`no sample value for fieldRef ${fieldPath}`);
}

/** Kubernetes's $(VAR) expansion in args, from the container's environment ($$ escapes). */
export function expandKubernetesVariables(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string | undefined) =>
    name === undefined ? '$' : (env[name] ?? whole),
  );
}

/**
 * The containers of a workload (Deployment or StatefulSet) as they run in the pod `podName` at `podIP`: the distlab
 * ones, or with `image`, those of that image (PostgreSQL's, to start it as the manifest asks).
 */
export function workloadContainers(
  workload: K8sObject,
  objects: K8sObject[],
  podName: string,
  podIP = SAMPLE_POD_IP,
  image = 'distlab',
): DeployedContainer[] {
  const secrets = objects.filter((object) => object['kind'] === 'Secret');
  const podSpec = workload['spec']['template']['spec'] as K8sObject;
  return (podSpec['containers'] as K8sObject[])
    .filter((container) => container['image'] === image)
    .map((container) => {
      const env: Record<string, string> = {};
      for (const entry of (container['env'] ?? []) as K8sObject[]) {
        const from = entry['valueFrom'] as K8sObject | undefined;
        if (from === undefined) env[entry['name']] = expandKubernetesVariables(String(entry['value']), env);
        else if (from['fieldRef'] !== undefined)
          env[entry['name']] = fieldValue(from['fieldRef']['fieldPath'], podName, podIP);
        else {
          const { name, key } = from['secretKeyRef'] as { name: string; key: string };
          const secret = secrets.find((candidate) => candidate['metadata']['name'] === name);
          if (secret === undefined) throw new Error(`${workload['metadata']['name']}: no Secret ${name}`);
          env[entry['name']] = String(secret['stringData'][key]);
        }
      }
      if (container['command'] !== undefined) throw new Error('distlab containers keep the image entrypoint');
      const ports = Object.fromEntries(
        ((container['ports'] ?? []) as K8sObject[]).map((port) => [port['name'], port['containerPort']]),
      );
      const probePorts = ['readinessProbe', 'livenessProbe'].map((probe) => container[probe]?.['grpc']?.['port']);
      return {
        where: `k8s ${workload['kind']}/${workload['metadata']['name']} (pod ${podName})`,
        argv: ((container['args'] ?? []) as unknown[]).map((arg) => expandKubernetesVariables(String(arg), env)),
        env,
        hostname: podName,
        ports,
        probePorts,
      };
    });
}

/** What `--check-config` printed: the kit's parsed server configuration and the app's own options. */
export interface CheckedConfig {
  process: string;
  config: { host: string; port: number; metrics?: { host: string; port: number } };
  options: Record<string, unknown>;
}

/** Each app's TypeScript entry, by the name the image's entry script gives it. */
export const APP_SOURCES: Record<string, string> = {
  balancer: 'apps/balancer/src/main.ts',
  peer: 'apps/peer/src/main.ts',
  worker: 'apps/factorial-worker/src/main.ts',
  inventory: 'apps/inventory-service/src/main.ts',
};

/**
 * Runs the app's own option parser on a container's arguments and environment (`--check-config`: parse, print, exit),
 * from the same sources the image compiles; rejects with the app's message when it refuses them.
 */
export async function checkWithAppParser(
  app: string,
  args: string[],
  env: Record<string, string>,
): Promise<CheckedConfig> {
  const source = APP_SOURCES[app];
  if (source === undefined) throw new Error(`no server app named ${app}`);
  const run = spawnTypeScript(join(WORKSPACE_ROOT, source), [...args, '--check-config'], env);
  run.child.stdin!.end();
  const exitCode = await run.exited();
  if (exitCode !== 0) throw new Error(`${app} ${args.join(' ')} refused (exit ${exitCode}): ${run.stderr.trim()}`);
  return JSON.parse(run.lines[0]) as CheckedConfig;
}
