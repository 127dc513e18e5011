import { join, resolve } from 'node:path';
import { peerPort, requireAdvertisable, WELL_KNOWN_PORTS } from '@distlab/grpc-kit';
import type { ProcessSpec } from './supervisor';

/** What `distlab join` was asked to start on this machine. */
export interface JoinOptions {
  /** The running cluster's registry (its balancer), host:port. */
  registry: string;
  /** The peer's id; unused with `worker`. */
  id?: number;
  /** Start a factorial worker instead of a peer. */
  worker?: boolean;
  /** Where to listen; every interface unless told. */
  host: string;
  /** The port; peer n's well-known port (50060 + n), or the worker's, unless told. */
  port?: number;
  /** The address the others dial, when the listening one is not it (a wildcard, a NAT). */
  advertise?: string;
  eventsDir: string;
  stateDir: string;
  /** The peer's virtual clock, set wrong on purpose for the clock-sync labs: offset at start, and rate error. */
  clockSkewMs?: number;
  clockDriftPpm?: number;
  /** The cluster's CA and token (`distlab certs export`), when it is secured. */
  tlsCa?: string;
  tokenFile?: string;
  /** This machine's server certificate and key (`distlab certs issue`), when the cluster is secured. */
  tlsCert?: string;
  tlsKey?: string;
}

/**
 * `--certs DIR`: the folder a cluster's machine made for this one with `distlab certs export` (ca.crt, token) and
 * `distlab certs issue` (server.crt, server.key); flags given one by one win.
 */
export function withCertsDir<Options extends JoinOptions>(options: Options & { certs?: string }): Options {
  if (options.certs === undefined) return options;
  const dir = resolve(options.certs);
  return {
    ...options,
    tlsCa: options.tlsCa ?? join(dir, 'ca.crt'),
    tokenFile: options.tokenFile ?? join(dir, 'token'),
    tlsCert: options.tlsCert ?? join(dir, 'server.crt'),
    tlsKey: options.tlsKey ?? join(dir, 'server.key'),
  };
}

/**
 * The one process `distlab join` runs: a peer (or a worker) that registers with a cluster's registry and, as a peer,
 * finds the other peers there. The supervisor checks its health on this machine, so the spec's address is the local
 * one; the others reach it at the advertised address.
 */
export function planJoin(options: JoinOptions): ProcessSpec {
  if (!options.worker && options.id === undefined)
    throw new Error('--id is required to join as a peer (or pass --worker to join as a factorial worker)');
  // The process would refuse the same, but only after the registry was asked: say it at once.
  requireAdvertisable(options.host, options.advertise, options.registry);
  if (options.tlsCa !== undefined && (options.tlsCert === undefined || options.tlsKey === undefined))
    throw new Error(
      'a secured cluster dials its members over TLS: this machine needs a certificate for the address it advertises ' +
        "(`distlab certs issue --host <address> --out DIR` on the cluster's machine, then --certs DIR here)",
    );
  const port = options.port ?? (options.worker ? WELL_KNOWN_PORTS.factorialWorker : peerPort(options.id ?? 1));
  const listening = options.host === '0.0.0.0' ? '127.0.0.1' : options.host === '::' ? '[::1]' : options.host;
  // Health is checked at the advertised address when there is one: a certificate names that address, not loopback.
  const advertised =
    options.advertise && (/:\d+$/.test(options.advertise) ? options.advertise : `${options.advertise}:${port}`);
  const address = advertised || `${listening}:${port}`;
  const common = [
    ...['--host', options.host, '--port', String(port), '--registry', options.registry],
    ...(options.advertise === undefined ? [] : ['--advertise', options.advertise]),
    ...(options.tlsCa === undefined ? [] : ['--tls-ca', options.tlsCa]),
    ...(options.tokenFile === undefined ? [] : ['--token-file', options.tokenFile]),
    ...(options.tlsCert === undefined ? [] : ['--tls-cert', options.tlsCert]),
    ...(options.tlsKey === undefined ? [] : ['--tls-key', options.tlsKey]),
  ];
  if (options.worker) return { name: 'worker', app: 'factorial-worker', args: common, address };
  return {
    name: `peer-${options.id}`,
    app: 'peer',
    args: [
      ...['--id', String(options.id), ...common],
      ...['--events-dir', resolve(options.eventsDir), '--state-dir', resolve(options.stateDir)],
      ...(options.clockSkewMs === undefined ? [] : ['--clock-skew-ms', String(options.clockSkewMs)]),
      ...(options.clockDriftPpm === undefined ? [] : ['--clock-drift-ppm', String(options.clockDriftPpm)]),
    ],
    address,
  };
}
