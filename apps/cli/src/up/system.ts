import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { LocalSecrets } from './local-ca';
import type { ProcessSpec, Supervisor } from './supervisor';

/** The layout `distlab up` uses unless told otherwise: the well-known ports (balancer 50051, peer n 50060 + n). */
export const DEFAULT_BASE_PORT = 50_050;

/** Where everything listens, relative to one base port. */
export function layout(basePort: number, peers: number, workers: number) {
  return {
    balancer: basePort + 1,
    inventory: basePort + 2,
    workers: Array.from({ length: workers }, (_, index) => basePort + 3 + index),
    peers: Array.from({ length: peers }, (_, index) => ({ id: index + 1, port: basePort + 10 + index + 1 })),
  };
}

export interface SystemOptions {
  peers: number;
  workers: number;
  basePort: number;
  /** The inventory's SQLite data directory. */
  dataDir: string;
  /** Where the peers append their event logs. */
  eventsDir: string;
  /** Where the peers keep their incarnations and fencing tokens. */
  stateDir: string;
  /** TLS on every call and a bearer token required (`distlab up --secure`). */
  secrets?: LocalSecrets;
  /** Every process's log level (each process's own default, info, when absent). */
  logLevel?: string;
  /** A user's Ricart–Agrawala core for every peer to drive (an absolute path). */
  mutexCore?: string;
  /** A user's election core for every peer to drive (an absolute path). */
  electionCore?: string;
  /** The address every process binds and advertises (`distlab up --host`): 127.0.0.1 unless told. */
  host?: string;
}

/** The whole system as processes: the balancer (the registry) first, then everything that registers with it. */
export interface SystemPlan {
  registry: string;
  balancer: ProcessSpec;
  others: ProcessSpec[];
}

/**
 * The processes of the whole system on one machine: the balancer, the factorial workers, the inventory service
 * (SQLite) and the peers, each told where the others are, the peers' clocks set wrong on purpose.
 */
export function planSystem(options: SystemOptions): SystemPlan {
  const ports = layout(options.basePort, options.peers, options.workers);
  // One routable address for everything (`--host`), so that other machines can join; loopback by default.
  const host = options.host ?? '127.0.0.1';
  const at = (port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const bound = ['--host', host];
  const secrets = options.secrets;
  // Under --secure every process serves TLS, calls the others over TLS, and requires (and sends) the token.
  const secured =
    secrets === undefined
      ? []
      : [
          ...['--tls-cert', secrets.serverCert, '--tls-key', secrets.serverKey],
          ...['--tls-ca', secrets.caCert, '--token-file', secrets.tokenFile],
        ];
  // Each peer is told where the others are, for the peer-to-peer calls of the algorithms.
  const peerList = (self: number) =>
    ports.peers
      .filter(({ id }) => id !== self)
      .map(({ id, port }) => `${id}=${at(port)}`)
      .join(',');
  const registry = at(ports.balancer);
  const logged = options.logLevel === undefined ? [] : ['--log-level', options.logLevel];
  const registered = ['--registry', registry, ...logged];
  return {
    registry,
    balancer: {
      name: 'balancer',
      app: 'balancer',
      args: [...bound, '--port', String(ports.balancer), ...logged, ...secured],
      address: registry,
    },
    others: [
      ...ports.workers.map((port, index) => ({
        name: `worker-${index + 1}`,
        app: 'factorial-worker',
        args: [...bound, '--port', String(port), '--worker-id', `worker-${index + 1}`, ...registered, ...secured],
        address: at(port),
      })),
      {
        name: 'inventory',
        app: 'inventory-service',
        args: [
          ...[...bound, '--port', String(ports.inventory), '--data-dir', resolve(options.dataDir)],
          ...[...registered, ...secured],
        ],
        address: at(ports.inventory),
      },
      ...ports.peers.map(({ id, port }) => ({
        name: `peer-${id}`,
        app: 'peer',
        args: [
          ...['--id', String(id), ...bound, '--port', String(port), '--peers', peerList(id), ...registered],
          ...['--clock-skew-ms', String(skewMs(id, options.peers)), '--clock-drift-ppm', String(id % 2 ? 50 : -50)],
          ...['--events-dir', resolve(options.eventsDir), '--state-dir', resolve(options.stateDir)],
          ...(options.mutexCore === undefined ? [] : ['--mutex-core', resolve(options.mutexCore)]),
          ...(options.electionCore === undefined ? [] : ['--election-core', resolve(options.electionCore)]),
          ...secured,
        ],
        address: at(port),
      })),
    ],
  };
}

/** Starts the plan's processes under `supervisor`: the balancer, then all the others at once; each until SERVING. */
export async function startSystem(supervisor: Supervisor, plan: SystemPlan): Promise<void> {
  await supervisor.prepare([plan.balancer, ...plan.others]);
  await supervisor.start(plan.balancer);
  await Promise.all(plan.others.map((spec) => supervisor.start(spec)));
}

/**
 * Each peer's clock is set wrong on purpose, spread evenly over ±500 ms (and drifting ±50 ppm), so that `distlab time
 * show` has something to show and `distlab time sync` something to fix.
 */
function skewMs(id: number, peers: number): number {
  return peers === 1 ? 0 : Math.round(-500 + ((id - 1) * 1000) / (peers - 1));
}

/**
 * `distlab up --host`: one address of this machine that the others can dial. A wildcard is refused: every process
 * must advertise the address it binds, and 0.0.0.0 is not one anybody can dial.
 */
export function parseUpHost(raw: string): string {
  const host = raw.trim().replace(/^\[(.*)\]$/, '$1');
  if (host === '0.0.0.0' || host === '::')
    throw new InvalidArgumentError(
      `--host ${host} binds every interface but names none to advertise: give this machine's address (e.g. 192.168.1.10)`,
    );
  if (!/^[A-Za-z0-9.:-]+$/.test(host))
    throw new InvalidArgumentError(`--host must be an address or a name, not "${raw.slice(0, 80)}"`);
  return host;
}
