import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { platform } from 'node:os';
import { join } from 'node:path';
import { SpawnedProcess, SUPERVISED_ENV, WORKSPACE_ROOT } from './processes';

/**
 * Hosts of a test network, each a Linux network namespace with its own address on one bridge: processes started on
 * different hosts talk over a real (virtual) Ethernet, and a host's link can be cut at the kernel (`ip link set … down`:
 * packets vanish, no reset), which is what a pulled cable or a partition does and what no in-process fault injector
 * can imitate. Every name is prefixed with this network's id (`dl<pid>n<k>`), so runs side by side never meet; the addresses
 * (10.213.<n>.0/24) exist only inside the namespaces made here, and `remove` takes everything away again (as does
 * the next run, for a run that died before it could).
 */

/** Why namespaces cannot be made here, or undefined when they can (root on Linux, with iproute2's `ip`). */
export function netnsUnavailableReason(): string | undefined {
  if (platform() !== 'linux') return `network namespaces are Linux only (this is ${platform()})`;
  if (process.getuid?.() !== 0) return 'making network namespaces needs root (run the tests as root, as .ci/run does)';
  if (spawnSync('ip', ['-V']).status !== 0) return "iproute2's `ip` is missing (Debian: apt-get install iproute2)";
  return undefined;
}

/** One host: its namespace and its address on the test network. */
export interface VirtualHost {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  /** The bridge port of its link, in the hub namespace: down cuts the host off. */
  readonly port: string;
}

export interface VirtualNetworkOptions {
  /** The hosts' names, in address order (.1, .2, …); short words: they appear in interface names' places. */
  hosts: readonly string[];
  /** Names each host resolves to the others' addresses (an /etc/hosts per namespace): name → host name. */
  names?: Readonly<Record<string, string>>;
}

const PREFIX = 'dl';
/** Networks made by this process so far: each gets names of its own. */
let made = 0;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

export class VirtualNetwork {
  private removed = false;

  private constructor(
    readonly runId: string,
    readonly hub: string,
    readonly hosts: readonly VirtualHost[],
  ) {}

  /** Makes the hub (a namespace holding the bridge) and one namespace per host, linked to it by a veth pair. */
  static create(options: VirtualNetworkOptions): VirtualNetwork {
    VirtualNetwork.sweepStale();
    made += 1;
    const runId = `${PREFIX}${process.pid}n${made}`;
    const subnet = `10.213.${(process.pid + made) % 250}`;
    const hub = `${runId}-hub`;
    const hosts = options.hosts.map((name, index) => ({
      name,
      namespace: `${runId}-${name}`,
      address: `${subnet}.${index + 1}`,
      // Interface names live in the hub's namespace, which is this network's own: short ones cannot collide.
      port: `p${index}`,
    }));
    const network = new VirtualNetwork(runId, hub, hosts);
    try {
      ip('netns', 'add', hub);
      ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', hub, 'link', 'set', 'br0', 'up');
      for (const host of hosts) {
        ip('netns', 'add', host.namespace);
        ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
        // The pair is made in the hub, and its far end moved into the host as eth0.
        ip('-n', hub, 'link', 'add', host.port, 'type', 'veth', 'peer', 'name', `${host.port}h`);
        ip('-n', hub, 'link', 'set', `${host.port}h`, 'netns', host.namespace);
        ip('-n', host.namespace, 'link', 'set', `${host.port}h`, 'name', 'eth0');
        ip('-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
        ip('-n', host.namespace, 'link', 'set', 'eth0', 'up');
        ip('-n', hub, 'link', 'set', host.port, 'master', 'br0');
        ip('-n', hub, 'link', 'set', host.port, 'up');
      }
      if (options.names !== undefined) network.writeHostsFiles(options.names);
      return network;
    } catch (error) {
      network.remove();
      throw error;
    }
  }

  host(name: string): VirtualHost {
    const found = this.hosts.find((host) => host.name === name);
    if (found === undefined) throw new Error(`no host ${name} on this network`);
    return found;
  }

  /** Cuts `name` off at the kernel: its bridge port goes down, and its packets vanish without a reset. */
  cut(name: string): void {
    ip('-n', this.hub, 'link', 'set', this.host(name).port, 'down');
  }

  /** Puts a cut host's link back. */
  restore(name: string): void {
    ip('-n', this.hub, 'link', 'set', this.host(name).port, 'up');
  }

  /** Runs a TypeScript entry point on host `name`, as spawnTypeScript does on this machine. */
  spawnTypeScript(
    name: string,
    entry: string,
    args: readonly string[] = [],
    env: NodeJS.ProcessEnv = {},
  ): SpawnedProcess {
    const node = [process.execPath, '--conditions=@distlab/source', '--import', 'tsx', entry, ...args];
    const child = spawn('ip', ['netns', 'exec', this.host(name).namespace, ...node], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, ...SUPERVISED_ENV, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new SpawnedProcess(child);
  }

  /** Removes every namespace (and with them their links) and hosts file this network made. Safe to call twice. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    for (const namespace of [this.hub, ...this.hosts.map((host) => host.namespace)]) {
      spawnSync('ip', ['netns', 'delete', namespace], { stdio: 'pipe' });
      rmSync(join('/etc/netns', namespace), { recursive: true, force: true });
    }
  }

  /** `ip netns exec` bind-mounts /etc/netns/<namespace>/hosts over /etc/hosts: names resolve on these hosts only. */
  private writeHostsFiles(names: Readonly<Record<string, string>>): void {
    const lines = [
      '127.0.0.1 localhost',
      ...Object.entries(names).map(([alias, host]) => `${this.host(host).address} ${alias}`),
    ];
    for (const host of this.hosts) {
      const dir = join('/etc/netns', host.namespace);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'hosts'), `${lines.join('\n')}\n`);
    }
  }

  /** Removes the namespaces of runs whose process is gone (a run killed before its `remove`). */
  private static sweepStale(): void {
    const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of listed.split('\n')) {
      const match = /^(dl(\d+)n\d+-\S+)/.exec(line);
      if (match === null || Number(match[2]) === process.pid || existsSync(`/proc/${match[2]}`)) continue;
      spawnSync('ip', ['netns', 'delete', match[1]], { stdio: 'pipe' });
      rmSync(join('/etc/netns', match[1]), { recursive: true, force: true });
    }
  }
}
