import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What `distlab up --secure` hands every process: the CA to trust, the servers' pair, and the shared token. */
export interface LocalSecrets {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  tokenFile: string;
}

/**
 * A local certificate authority for one machine's deployment, made with openssl the first time and reused after: the
 * CA, one server certificate for 127.0.0.1 and localhost that every process serves, and a random bearer token. The
 * keys and the token are readable by their owner only. Nothing here is fit for a network beyond loopback: it is the
 * lab's way to show TLS and auth end to end.
 */
export function ensureLocalSecrets(directory: string): LocalSecrets {
  const dir = resolve(directory);
  const secrets: LocalSecrets = {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    tokenFile: join(dir, 'token'),
  };
  if ([secrets.caCert, secrets.serverCert, secrets.serverKey, secrets.tokenFile].every((file) => existsSync(file)))
    return secrets;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const openssl = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    } catch (error) {
      const reason = (error as { code?: string }).code === 'ENOENT' ? 'openssl is not installed' : String(error);
      throw new Error(`cannot make the local certificates: ${reason}`);
    }
  };
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ecKey,
    '-days',
    '365',
    '-subj',
    '/CN=distlab local CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl('req', ...ecKey, '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  openssl(
    ...['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-days', '365', '-extfile', 'server.ext', '-out', 'server.crt'],
  );
  writeFileSync(secrets.tokenFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  for (const key of ['ca.key', 'server.key']) chmodSync(join(dir, key), 0o600);
  return secrets;
}
