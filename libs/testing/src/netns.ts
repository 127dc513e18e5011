import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SpawnedProcess, WORKSPACE_ROOT } from './processes';

/**
 * Real networks on one Linux machine, for tests: a hub namespace holding a bridge, and N "host" namespaces, each with
 * a veth into the bridge and an address of its own. A host's link can be cut at the kernel (packets vanish, no RST),
 * which is what a partition does to TCP and what no in-process fault injector shows.
 *
 * Addresses (NETNS_SUBNET) exist only inside the namespaces a lab made, and no route leads there from the machine's
 * own namespace, so parallel labs cannot collide on them. Names carry a per-run prefix with the creation time
 * ("dlns-<seconds base36>-<random>"), so that a run killed before it cleaned up is swept by a later one after an hour.
 */

const execFileAsync = promisify(execFile);

/** The /24 every lab uses inside its own namespaces: host i (from 1) has the address NETNS_SUBNET + '.' + (i + 1). */
export const NETNS_SUBNET = '10.213.0';
const NAME_PREFIX = 'dlns-';
const STALE_AFTER_MS = 60 * 60 * 1000;
const HOSTS_MAX = 200;

/** One simulated machine of a lab. */
export interface NetnsHost {
  /** 1-based, in the order asked for. */
  readonly index: number;
  /** The name other hosts resolve (when the lab writes hosts files), e.g. "peer-1". */
  readonly hostname: string;
  /** The network namespace, for `ip netns exec`. */
  readonly namespace: string;
  /** Its address on the lab's bridge, e.g. "10.213.0.2". */
  readonly address: string;
  /** The hub-side end of its veth: the port `cut` takes down. */
  readonly hubPort: string;
}

export interface NetnsLabOptions {
  /** How many hosts, or their host names (default names "host-1", "host-2", …). */
  hosts: number | readonly string[];
  /** Write /etc/netns/NS/hosts in every host, so that the host names resolve there (default true). */
  hostsFiles?: boolean;
}

/**
 * Why network-namespace tests cannot run here, or undefined when they can: they need Linux, root, and iproute2's `ip`.
 * Tests skip with this reason, so that a skipped run says what it would take.
 */
export function canUseNetns(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (run the tests as root, as .ci/run does)';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'the `ip` command (Debian package iproute2) is missing';
  }
  return undefined;
}

/** Runs `ip` with arguments; rejects with its stderr. */
async function ip(...args: string[]): Promise<void> {
  try {
    await execFileAsync('ip', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`ip ${args.join(' ')} failed: ${stderr.trim() || (error as Error).message}`);
  }
}

/**
 * A lab of network namespaces. Make one with `NetnsLab.create`, and always `remove` it (also when a test fails): it
 * kills the processes it started and deletes every namespace, veth and hosts file it made.
 */
export class NetnsLab {
  private readonly processes: SpawnedProcess[] = [];
  private removed = false;

  private constructor(
    /** The per-run name prefix of everything this lab made. */
    readonly prefix: string,
    readonly hubNamespace: string,
    readonly hosts: readonly NetnsHost[],
  ) {}

  /** Makes the hub, its bridge and the hosts; removes whatever it made if a step fails. */
  static async create(options: NetnsLabOptions): Promise<NetnsLab> {
    const reason = canUseNetns();
    if (reason !== undefined) throw new Error(`cannot make network namespaces: ${reason}`);
    sweepStaleNetns();
    const names =
      typeof options.hosts === 'number'
        ? Array.from({ length: options.hosts }, (_, index) => `host-${index + 1}`)
        : [...options.hosts];
    if (names.length < 1 || names.length > HOSTS_MAX) throw new Error(`a lab has 1 to ${HOSTS_MAX} hosts`);
    const created = Math.floor(Date.now() / 1000).toString(36);
    const id = randomBytes(3).toString('hex');
    const prefix = `${NAME_PREFIX}${created}-${id}`;
    // Interface names are at most 15 characters: "dl<id>h<index>" and "dl<id>p<index>" stay under it.
    const hosts = names.map((hostname, position) => ({
      index: position + 1,
      hostname,
      namespace: `${prefix}-h${position + 1}`,
      address: `${NETNS_SUBNET}.${position + 2}`,
      hubPort: `dl${id}p${position + 1}`,
    }));
    const lab = new NetnsLab(prefix, `${prefix}-hub`, hosts);
    try {
      await lab.build(id, options.hostsFiles ?? true);
    } catch (error) {
      await lab.remove();
      throw error;
    }
    return lab;
  }

  private async build(id: string, hostsFiles: boolean): Promise<void> {
    const hub = this.hubNamespace;
    await ip('netns', 'add', hub);
    await ip('-n', hub, 'link', 'set', 'lo', 'up');
    await ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', hub, 'link', 'set', 'br0', 'up');
    for (const host of this.hosts) {
      const hostEnd = `dl${id}h${host.index}`;
      await ip('netns', 'add', host.namespace);
      await ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
      // Made inside the hub, so that no end ever sits in the machine's own namespace.
      await ip('-n', hub, 'link', 'add', host.hubPort, 'type', 'veth', 'peer', 'name', hostEnd);
      await ip('-n', hub, 'link', 'set', hostEnd, 'netns', host.namespace);
      await ip('-n', hub, 'link', 'set', host.hubPort, 'master', 'br0');
      await ip('-n', hub, 'link', 'set', host.hubPort, 'up');
      await ip('-n', host.namespace, 'link', 'set', hostEnd, 'name', 'eth0');
      await ip('-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
      await ip('-n', host.namespace, 'link', 'set', 'eth0', 'up');
    }
    if (hostsFiles) {
      const lines = ['127.0.0.1 localhost', ...this.hosts.map((host) => `${host.address} ${host.hostname}`)];
      for (const host of this.hosts) {
        mkdirSync(join('/etc/netns', host.namespace), { recursive: true });
        writeFileSync(join('/etc/netns', host.namespace, 'hosts'), `${lines.join('\n')}\n`);
      }
    }
  }

  /** The host with this 1-based index or host name. */
  host(which: number | string): NetnsHost {
    const host = this.hosts.find((candidate) => candidate.index === which || candidate.hostname === which);
    if (host === undefined) throw new Error(`no host ${which} in this lab`);
    return host;
  }

  /** Starts a command "on" a host (`ip netns exec`); the lab kills it on `remove`. */
  spawn(host: NetnsHost, command: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): SpawnedProcess {
    const child = spawn('ip', ['netns', 'exec', host.namespace, command, ...args], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const spawned = new SpawnedProcess(child);
    this.processes.push(spawned);
    return spawned;
  }

  /** Starts a TypeScript entry point on a host, as `spawnTypeScript` does on the machine itself. */
  spawnTypeScript(host: NetnsHost, entry: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}) {
    return this.spawn(host, process.execPath, ['--conditions=@distlab/source', '--import', 'tsx', entry, ...args], env);
  }

  /** Cuts a host off at the kernel: its hub port goes down, packets to and from it vanish, no RST is sent. */
  cut(host: NetnsHost): Promise<void> {
    return ip('-n', this.hubNamespace, 'link', 'set', host.hubPort, 'down');
  }

  /** Gives a cut host its link back. */
  restore(host: NetnsHost): Promise<void> {
    return ip('-n', this.hubNamespace, 'link', 'set', host.hubPort, 'up');
  }

  /** Kills the lab's processes and deletes everything it made; safe to call twice and after a failed create. */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    await Promise.all(this.processes.map((spawned) => spawned.stop()));
    removeNamespaces([this.hubNamespace, ...this.hosts.map((host) => host.namespace)]);
  }
}

/** Deletes namespaces (their veths go with them) and their hosts files, ignoring those already gone. */
function removeNamespaces(namespaces: readonly string[]): void {
  for (const namespace of namespaces) {
    try {
      execFileSync('ip', ['netns', 'delete', namespace], { stdio: 'ignore' });
    } catch {
      // Never made, or already gone.
    }
    rmSync(join('/etc/netns', namespace), { recursive: true, force: true });
  }
}

/**
 * Deletes the namespaces of labs made over an hour ago (a run killed before its cleanup), by the creation time in
 * their names; touches nothing without this module's prefix. Returns how many it deleted.
 */
export function sweepStaleNetns(nowMs = Date.now()): number {
  let names: string[];
  try {
    names = readdirSync('/var/run/netns');
  } catch {
    return 0;
  }
  const stale = names.filter((name) => {
    const match = /^dlns-([0-9a-z]+)-[0-9a-f]{6}-(hub|h\d+)$/.exec(name);
    return match !== null && nowMs - parseInt(match[1], 36) * 1000 > STALE_AFTER_MS;
  });
  removeNamespaces(stale);
  return stale.length;
}
