import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AgentProbe,
  startPostgresOnHost,
  VirtualNetwork,
  WORKSPACE_ROOT,
  type NetworkPostgres,
  type SpawnedProcess,
} from '@distlab/testing';
import { APP_SOURCES } from './deployment-files';
import type { PodPlan } from './deployment-pods';
import type { AgentRequest } from './netns-agent';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { resolveContainerCommand } = require(join(WORKSPACE_ROOT, 'deploy', 'container-entry.cjs')) as {
  resolveContainerCommand(
    argv: string[],
    env: Record<string, string>,
    hostname: string,
  ): { app: string; entry: string; args: string[]; env: Record<string, string> };
};

/** The host the test's probe agent runs on: a name no pod has. */
export const PROBE_HOST = 'probe';
const STARTED_MS = 90_000;

/**
 * The environment the image gives every container: the `ENV` lines of the Dockerfile's last stage (the one that
 * runs), as `docker build` would record them.
 */
export function imageEnvironment(): Record<string, string> {
  const dockerfile = readFileSync(join(WORKSPACE_ROOT, 'Dockerfile'), 'utf8');
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of lastStage.split('\n').filter((candidate) => candidate.startsWith('ENV ')))
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const equals = pair.indexOf('=');
      env[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
  return env;
}

/** What a pod runs, once started: its host, and the app and arguments its container resolved to. */
export interface StartedPod {
  host: string;
  app: string;
  args: string[];
}

/**
 * A deployment file's pods started as processes, one network namespace per pod, its service names resolvable on every
 * host (an /etc/hosts per namespace): each distlab container's command resolved as the image's entry script does
 * (deploy/container-entry.cjs) and started from the same app's TypeScript entry, with its arguments and environment
 * as they are, save one thing: the pod's volume, mounted at /data in a container, is a directory of its own here, so
 * environment values under /data point there. PostgreSQL runs on its own host, with the account its variables name.
 */
export class DeployedSystem {
  private constructor(
    readonly network: VirtualNetwork,
    readonly pods: StartedPod[],
    readonly probe: AgentProbe<AgentRequest>,
    private readonly stopAll: () => Promise<void>,
  ) {}

  static async start(plans: PodPlan[]): Promise<DeployedSystem> {
    const names = Object.fromEntries(plans.flatMap((plan) => plan.names.map((name) => [name, plan.host])));
    const network = VirtualNetwork.create({ hosts: [...plans.map((plan) => plan.host), PROBE_HOST], names });
    const dir = mkdtempSync(join(tmpdir(), 'distlab-deployed-'));
    const databases: NetworkPostgres[] = [];
    const processes: SpawnedProcess[] = [];
    let probe: AgentProbe<AgentRequest> | undefined;
    const stop = async () => {
      try {
        await probe?.stop();
        await Promise.all(processes.map((spawned) => spawned.stop()));
        for (const database of databases) database.stop();
      } finally {
        network.remove();
        rmSync(dir, { recursive: true, force: true });
      }
    };
    try {
      for (const plan of plans)
        if (plan.postgres !== undefined) databases.push(startPostgresOnHost(network, plan.host, plan.postgres));
      const image = imageEnvironment();
      const pods: StartedPod[] = [];
      const serving = plans
        .filter((plan) => plan.container !== undefined)
        .map((plan) => {
          const container = plan.container!(network.host(plan.host).address);
          const resolved = resolveContainerCommand(container.argv, container.env, container.hostname);
          const volume = join(dir, plan.host);
          const env = Object.fromEntries(
            Object.entries({ ...image, ...resolved.env }).map(([key, value]) => [
              key,
              value === '/data' || value.startsWith('/data/') ? `${volume}${value.slice('/data'.length)}` : value,
            ]),
          );
          const spawned = network.spawnTypeScript(
            plan.host,
            join(WORKSPACE_ROOT, APP_SOURCES[resolved.app]),
            resolved.args,
            env,
          );
          processes.push(spawned);
          pods.push({ host: plan.host, app: resolved.app, args: resolved.args });
          return spawned
            .waitForLine((line) => line.includes('"msg":"serving"'), STARTED_MS)
            .catch((error: Error) => {
              throw new Error(`${container.where}: ${error.message}`);
            });
        });
      // Everything at once, as Kubernetes starts a manifest's pods: whatever starts first waits for what it needs.
      const probeStarted = AgentProbe.start<AgentRequest>(network, PROBE_HOST, join(__dirname, 'netns-agent.ts')).then(
        (started) => (probe = started),
      );
      await Promise.all([probeStarted, ...serving]);
      return new DeployedSystem(network, pods, probe!, stop);
    } catch (error) {
      await stop();
      throw error;
    }
  }

  /** The pods running `app`. */
  podsOf(app: string): StartedPod[] {
    return this.pods.filter((pod) => pod.app === app);
  }

  stop(): Promise<void> {
    return this.stopAll();
  }
}
