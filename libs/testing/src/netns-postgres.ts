import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VirtualNetwork } from './netns';
import { POSTGRES_BIN, postgresUnavailableReason } from './postgres';

/** The database a deployment file asks of PostgreSQL, as the official image's POSTGRES_* variables name it. */
export interface PostgresAccount {
  user: string;
  password: string;
  database: string;
  /** 5432 unless told. */
  port?: number;
}

/** PostgreSQL serving on one host of a virtual network. */
export interface NetworkPostgres {
  /** Where it listens: the host's address and the port. */
  address: string;
  /** Stops it at once and removes its files. Safe to call twice. */
  stop(): void;
}

/**
 * Starts PostgreSQL on host `hostName` of `network`, listening on that host's address only, as the database of a
 * compose file or a manifest would: the superuser and the database its POSTGRES_* variables name, and password
 * authentication (SCRAM) for every connection over the network, so that a client whose URL carries another password is
 * refused as it would be there. Runs as the `postgres` user (PostgreSQL refuses root), with fsync off (tests kill
 * processes, never the machine). Needs root, as the namespaces do.
 */
export function startPostgresOnHost(
  network: VirtualNetwork,
  hostName: string,
  account: PostgresAccount,
): NetworkPostgres {
  const reason = postgresUnavailableReason();
  if (reason !== undefined) throw new Error(reason);
  const host = network.host(hostName);
  const port = account.port ?? 5432;
  const dir = mkdtempSync(join(tmpdir(), 'distlab-netns-postgres-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const run = (binary: string, args: string[], inNamespace = false) => {
    const command = ['runuser', '-u', 'postgres', '--', join(POSTGRES_BIN, binary), ...args];
    const [file, ...rest] = inNamespace ? ['ip', 'netns', 'exec', host.namespace, ...command] : command;
    const result = spawnSync(file, rest, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${binary} failed: ${result.stderr || result.stdout}`);
  };
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      spawnSync(
        'runuser',
        ['-u', 'postgres', '--', join(POSTGRES_BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'],
        {
          stdio: 'pipe',
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, `${account.password}\n`);
    chownSync(passwordFile, uid, gid);
    run('initdb', [
      ...['-D', data, '-U', account.user, `--pwfile=${passwordFile}`, '--no-sync', '-E', 'UTF8'],
      ...['--auth-local=trust', '--auth-host=scram-sha-256'],
    ]);
    // initdb allows host connections from loopback only; a pod's database is dialled from the other pods.
    appendFileSync(join(data, 'pg_hba.conf'), `host all all ${host.address}/24 scram-sha-256\n`);
    // The server starts inside the host's namespace (its processes stay there); the unix socket in `dir` is a
    // file, reachable from any namespace, for the steps that need no network.
    run(
      'pg_ctl',
      [
        ...['-D', data, '-l', join(dir, 'server.log'), '-w'],
        ...['-o', `-p ${port} -k ${dir} -c listen_addresses=${host.address} -c fsync=off`, 'start'],
      ],
      true,
    );
    run('createdb', ['-h', dir, '-p', String(port), '-U', account.user, '-O', account.user, account.database]);
    return { address: `${host.address}:${port}`, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
