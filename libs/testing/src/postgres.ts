import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

/** Where Debian installs PostgreSQL 15's server binaries (every distlab machine has them). */
export const POSTGRES_BIN = process.env['DISTLAB_POSTGRES_BIN'] ?? '/usr/lib/postgresql/15/bin';

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailableReason(): string | undefined {
  return existsSync(join(POSTGRES_BIN, 'initdb'))
    ? undefined
    : `PostgreSQL server binaries not found in ${POSTGRES_BIN} (set DISTLAB_POSTGRES_BIN)`;
}

/** A throwaway PostgreSQL server: its own data directory, a free loopback port, trust auth. */
export interface TestPostgres {
  url: string;
  port: number;
  /** A URL to a fresh, empty database on this server. */
  createDatabase(name: string): string;
  stop(): void;
}

/**
 * Starts PostgreSQL in a temporary directory (about a second). Tests run it with fsync off (they kill processes,
 * never the machine); `durable: true` keeps PostgreSQL's defaults, for benchmarks that must not flatter it. PostgreSQL refuses to run as root, so as root it runs
 * as the `postgres` user, in a directory that user owns.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  const reason = postgresUnavailableReason();
  if (reason !== undefined) throw new Error(reason);
  const dir = mkdtempSync(join(tmpdir(), 'distlab-postgres-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const ids = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const group = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(ids), Number(group));
  }
  const run = (binary: string, args: string[]) => {
    const command = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(POSTGRES_BIN, binary), ...args]]
      : [join(POSTGRES_BIN, binary), args];
    const result = spawnSync(command[0] as string, command[1] as string[], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${binary} failed: ${result.stderr || result.stdout}`);
  };
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${options.durable ? '' : ' -c fsync=off'}`,
    'start',
  ]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    createDatabase: (name) => {
      run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
