import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';

/** What `distlab up --secure` hands every process: the CA to trust, the servers' pair, and the shared token. */
export interface LocalSecrets {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  tokenFile: string;
}

/** The names every local certificate covers, so that this machine's own calls verify. */
const LOCAL_NAMES = ['localhost', '127.0.0.1'];

/**
 * A certificate authority for one deployment, made with openssl the first time and reused after: the CA, one server
 * certificate that every process of `distlab up` serves (for 127.0.0.1, localhost and the `hosts` given, e.g. the
 * address of `--host`), and a random bearer token. The keys and the token are readable by their owner only. When
 * the server certificate does not cover a host asked for, it is issued again by the same CA, so that machines that
 * already trust the CA go on trusting it.
 */
export function ensureLocalSecrets(directory: string, hosts: readonly string[] = []): LocalSecrets {
  const dir = resolve(directory);
  const secrets: LocalSecrets = {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    tokenFile: join(dir, 'token'),
  };
  const names = [...new Set([...LOCAL_NAMES, ...hosts])];
  const complete = [secrets.caCert, secrets.serverCert, secrets.serverKey, secrets.tokenFile].every(existsSync);
  if (complete && covers(secrets.serverCert, names)) return secrets;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(secrets.caCert) || !existsSync(join(dir, 'ca.key'))) {
    openssl(
      dir,
      'req',
      '-x509',
      ...EC_KEY,
      ...['-days', '365', '-subj', '/CN=distlab local CA'],
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
    );
    chmodSync(join(dir, 'ca.key'), 0o600);
  }
  issueCertificate(dir, dir, names);
  if (!existsSync(secrets.tokenFile))
    writeFileSync(secrets.tokenFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  return secrets;
}

/**
 * Issues `server.crt` and `server.key` in `outDir`, signed by the CA in `caDir`, for the names and addresses given
 * (an IP address goes in as an IP subject alternative name, anything else as a DNS name): the certificate a machine
 * that joins the cluster serves, so that the others' TLS checks accept it at the address it advertises.
 */
export function issueCertificate(
  caDir: string,
  outDir: string,
  hosts: readonly string[],
): { cert: string; key: string } {
  if (hosts.length === 0) throw new Error('name at least one --host for the certificate');
  for (const file of ['ca.crt', 'ca.key'])
    if (!existsSync(join(caDir, file)))
      throw new Error(`no CA in ${caDir} (${file} is missing): run \`distlab up --secure\` there first`);
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const altNames = hosts.map((host) => (isIP(host) ? `IP:${host}` : `DNS:${host}`)).join(',');
  const extFile = join(outDir, 'server.ext');
  writeFileSync(extFile, `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth\n`);
  const csr = join(outDir, 'server.csr');
  const key = join(outDir, 'server.key');
  const cert = join(outDir, 'server.crt');
  openssl(outDir, 'req', ...EC_KEY, '-subj', `/CN=${hosts[0].slice(0, 64)}`, '-keyout', key, '-out', csr);
  openssl(
    caDir,
    ...['x509', '-req', '-in', csr, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-days', '365', '-extfile', extFile, '-out', cert],
  );
  chmodSync(key, 0o600);
  rmSync(csr, { force: true });
  rmSync(extFile, { force: true });
  return { cert, key };
}

/**
 * Copies what another machine needs to call the cluster and be called by it — the CA certificate and the token —
 * into `outDir`. The CA's private key never leaves: only the machine that holds it issues certificates.
 */
export function exportSecrets(secretsDir: string, outDir: string): { caCert: string; tokenFile: string } {
  for (const file of ['ca.crt', 'token'])
    if (!existsSync(join(secretsDir, file)))
      throw new Error(`no ${file} in ${secretsDir}: run \`distlab up --secure\` there first`);
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const caCert = join(outDir, 'ca.crt');
  const tokenFile = join(outDir, 'token');
  copyFileSync(join(secretsDir, 'ca.crt'), caCert);
  copyFileSync(join(secretsDir, 'token'), tokenFile);
  chmodSync(tokenFile, 0o600);
  return { caCert, tokenFile };
}

/** Whether a certificate file names every host (checked as TLS clients check: IP SANs for addresses, DNS otherwise). */
export function covers(certFile: string, hosts: readonly string[]): boolean {
  const certificate = new X509Certificate(readFileSync(certFile));
  return hosts.every((host) =>
    isIP(host) ? certificate.checkIP(host) !== undefined : certificate.checkHost(host) !== undefined,
  );
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(cwd: string, ...args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: 'pipe' });
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ENOENT' ? 'openssl is not installed' : String(error);
    throw new Error(`cannot make the certificates: ${reason}`);
  }
}
