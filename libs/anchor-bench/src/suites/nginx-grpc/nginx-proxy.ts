// nginx as users would set it up in front of gRPC workers: grpc_pass to an upstream of the workers with keepalive
// connections, one worker process (one beats two on this 2-core machine, where the load generator and the workers
// need the other core), HTTP/2 on loopback, no access log, no cap on calls per connection. Everything it writes stays
// in a temporary directory.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@distlab/testing';

/** Where Debian's nginx (nginx-light and friends) installs the binary. */
export const NGINX = '/usr/sbin/nginx';

/** A running nginx that proxies gRPC to the given workers. */
export interface NginxGrpcProxy {
  readonly address: string;
  /** nginx's master and worker processes, for their CPU time (empty where there is no /proc). */
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

/** The configuration: pid, logs and temporary files inside `directory`, the upstream's keepalive pool for reuse. */
export function nginxGrpcConfig(directory: string, port: number, upstreams: readonly string[]): string {
  const temp = (name: string) => join(directory, name);
  return `worker_processes 1;
pid ${temp('nginx.pid')};
error_log ${temp('error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  # nginx closes a client connection after keepalive_requests calls (1000 by default, HTTP/2 streams included), which
  # would end h2load's single connection a fraction of a second into a run.
  keepalive_requests 10000000;
  client_body_temp_path ${temp('client-body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  upstream workers {
${upstreams.map((address) => `    server ${address};`).join('\n')}
    keepalive 32;
    keepalive_requests 10000000;
  }
  server {
    listen 127.0.0.1:${port} http2;
    http2_max_concurrent_streams 1024;
    location / {
      grpc_pass grpc://workers;
    }
  }
}
`;
}

/** Starts nginx in the foreground from a generated configuration and waits until it accepts connections. */
export async function startNginxGrpcProxy(upstreams: readonly string[]): Promise<NginxGrpcProxy> {
  const directory = mkdtempSync(join(tmpdir(), 'distlab-nginx-'));
  // nginx's own worker process may run as another user (nobody, when started as root): let it read its directory.
  chmodSync(directory, 0o755);
  mkdirSync(join(directory, 'logs')); // nginx opens its default error log under the prefix before reading the config.
  const port = await freePort();
  writeFileSync(join(directory, 'nginx.conf'), nginxGrpcConfig(directory, port, upstreams));
  const child = spawn(NGINX, ['-p', directory, '-c', join(directory, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async () => {
    await stopNginx(child);
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await waitForListening(child, port, () => `${stderr}${readErrorLog(directory)}`);
  } catch (error) {
    await stop();
    throw error;
  }
  const master = child.pid;
  return { address: `127.0.0.1:${port}`, pids: master === undefined ? [] : [master, ...childPidsOf(master)], stop };
}

/** The processes whose parent is `parentPid`, read from /proc (none where there is no /proc). */
function childPidsOf(parentPid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the second field after the command name, which ends with ") ".
      const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (parent === parentPid) children.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return children;
}

async function stopNginx(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGQUIT'); // Graceful: the master stops its worker and removes its pid file.
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function readErrorLog(directory: string): string {
  try {
    return readFileSync(join(directory, 'error.log'), 'utf8');
  } catch {
    return '';
  }
}

/** Polls the port until a TCP connection succeeds, failing at once with nginx's own words if it exits first. */
async function waitForListening(child: ChildProcess, port: number, diagnostics: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}: ${diagnostics()}`);
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (accepted) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within 5 s: ${diagnostics()}`);
}
