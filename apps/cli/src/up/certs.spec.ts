import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import {
  freePort,
  hasOpenssl,
  startServerProcess,
  WORKSPACE_ROOT,
  type ServerProcessHandle,
  type SpawnedProcess,
  spawnDistlab,
} from '@distlab/testing';
import { covers, ensureLocalSecrets } from './local-ca';

// The `--secure` CA beyond one machine, on loopback: `distlab certs issue` signs a certificate for the hosts named,
// `distlab certs export` hands over the CA certificate and the token (never the CA key), and a peer joining a secured
// cluster is refused with a clear error without them, and registers with them.

const describeWithOpenssl = hasOpenssl() ? describe : describe.skip;

async function distlab(...args: string[]): Promise<{ exitCode: number | string; output: string; stderr: string }> {
  const run = spawnDistlab(args);
  run.child.stdin!.end();
  const exitCode = await run.exited();
  return { exitCode, output: run.lines.join('\n'), stderr: run.stderr };
}

describeWithOpenssl('distlab certs', () => {
  const root = mkdtempSync(join(tmpdir(), 'distlab-certs-'));
  const caDir = join(root, 'ca');
  const laptop = join(root, 'laptop');
  let balancer: ServerProcessHandle | undefined;
  let joined: SpawnedProcess | undefined;

  afterAll(async () => {
    await joined?.stop();
    await balancer?.process.stop();
  });

  it('issues a certificate for the hosts given, signed by the CA, and exports the CA and token only', async () => {
    const secrets = ensureLocalSecrets(caDir);
    const issued = await distlab(
      ...['certs', 'issue', '--host', '127.0.0.1', '--host', 'laptop-7.lab', '--out', laptop, '--secrets-dir', caDir],
    );
    expect(issued.exitCode).toBe(0);
    const certificate = new X509Certificate(readFileSync(join(laptop, 'server.crt')));
    expect(certificate.verify(new X509Certificate(readFileSync(secrets.caCert)).publicKey)).toBe(true);
    expect(covers(join(laptop, 'server.crt'), ['127.0.0.1', 'laptop-7.lab'])).toBe(true);
    expect(covers(join(laptop, 'server.crt'), ['localhost'])).toBe(false);

    expect((await distlab('certs', 'export', '--out', laptop, '--secrets-dir', caDir)).exitCode).toBe(0);
    expect(readFileSync(join(laptop, 'ca.crt'), 'utf8')).toBe(readFileSync(secrets.caCert, 'utf8'));
    expect(readFileSync(join(laptop, 'token'), 'utf8')).toBe(readFileSync(secrets.tokenFile, 'utf8'));
    expect(statSync(join(laptop, 'token')).mode & 0o077).toBe(0);
    expect(existsSync(join(laptop, 'ca.key'))).toBe(false);
  });

  it('re-issues the server certificate of `up --secure --host` for a new host, under the same CA', () => {
    const caBefore = readFileSync(join(caDir, 'ca.crt'), 'utf8');
    const secrets = ensureLocalSecrets(caDir, ['127.0.0.2']);
    expect(covers(secrets.serverCert, ['127.0.0.1', 'localhost', '127.0.0.2'])).toBe(true);
    expect(readFileSync(secrets.caCert, 'utf8')).toBe(caBefore);
  });

  it('says where the files come from when there is no CA', async () => {
    const result = await distlab('certs', 'export', '--out', join(root, 'x'), '--secrets-dir', join(root, 'none'));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('run `distlab up --secure` there first');
  });

  // Four CLI processes and a balancer: on a busy machine, well over jest's 30 s.
  it('refuses a joining peer without the CA and token, or with another token; lets it join with them', async () => {
    const secrets = ensureLocalSecrets(caDir);
    balancer = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts'), [
      ...['--tls-cert', secrets.serverCert, '--tls-key', secrets.serverKey],
      ...['--tls-ca', secrets.caCert, '--token-file', secrets.tokenFile],
    ]);
    const port = await freePort();
    const peerArgs = [
      ...['join', '--registry', balancer.address, '--id', '5', '--host', '127.0.0.1', '--port', String(port)],
      ...['--events-dir', join(root, 'events'), '--state-dir', join(root, 'state')],
    ];

    const bare = await distlab(...peerArgs);
    expect(bare.exitCode).toBe(1);
    expect(bare.stderr).toContain('does not answer plaintext calls');
    expect(bare.stderr).toContain('distlab certs export --out DIR');

    const stranger = join(root, 'stranger');
    await distlab('certs', 'export', '--out', stranger, '--secrets-dir', caDir);
    await distlab('certs', 'issue', '--host', '127.0.0.1', '--out', stranger, '--secrets-dir', caDir);
    writeFileSync(join(stranger, 'token'), 'not-the-token\n');
    const wrongToken = await distlab(...peerArgs, '--certs', stranger);
    expect(wrongToken.exitCode).toBe(1);
    expect(wrongToken.stderr).toContain('refused the token');

    joined = spawnDistlab([...peerArgs, '--certs', laptop]);
    await joined.waitForLine((line) => line.includes('distlab join: peer-5 serves at'), 60_000);
    const registry = createClient(RegistryServiceClient, balancer.address, {
      tls: { caFile: secrets.caCert },
      token: readFileSync(secrets.tokenFile, 'utf8').trim(),
    });
    try {
      const found = await unaryCall(registry, 'lookup', { name: 'peer-5' });
      expect(found.registrations.map((registration) => registration.address)).toEqual([`127.0.0.1:${port}`]);
    } finally {
      registry.close();
    }
  }, 180_000);
});
