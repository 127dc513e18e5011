import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterServiceClient } from '@distlab/contracts/cluster/v1/cluster';
import { ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { TimeServiceClient } from '@distlab/contracts/clock/v1/time';
import { createClient, durationToMs, unaryCall } from '@distlab/grpc-kit';
import {
  freePort,
  PeerCluster,
  spawnTypeScript,
  startServerProcess,
  WORKSPACE_ROOT,
  type ServerProcessHandle,
  type SpawnedProcess,
  spawnDistlab,
} from '@distlab/testing';
import { planJoin } from './join-plan';

// `distlab join` starts one peer on this machine that joins a running cluster through its registry. Proves, on
// loopback: a peer started by `distlab join --registry … --id 3 --advertise …` registers the advertised address, the
// cluster's peers discover it and elect it (the highest id); and a peer listening on every interface with a registry
// on another machine and no --advertise is refused before it starts, saying what to pass.

describe('planJoin', () => {
  const base = { registry: '10.20.0.1:50051', host: '0.0.0.0', eventsDir: '/tmp/e', stateDir: '/tmp/s' };

  it("runs a peer on its well-known port, registered with the cluster's registry, dialled locally for health", () => {
    const spec = planJoin({ ...base, id: 7, advertise: '10.20.0.23' });
    // Health is checked where the others dial it: the certificate of a secured cluster names that address.
    expect(spec).toMatchObject({ name: 'peer-7', app: 'peer', address: '10.20.0.23:50067' });
    expect(spec.args.join(' ')).toContain('--id 7 --host 0.0.0.0 --port 50067 --registry 10.20.0.1:50051');
    expect(spec.args.join(' ')).toContain('--advertise 10.20.0.23');
  });

  it("sets the peer's clock off on purpose when asked, and leaves it true otherwise", () => {
    const skewed = planJoin({ ...base, id: 7, advertise: '10.20.0.23', clockSkewMs: -250, clockDriftPpm: 40 });
    expect(skewed.args.join(' ')).toContain('--clock-skew-ms -250 --clock-drift-ppm 40');
    expect(planJoin({ ...base, id: 7, advertise: '10.20.0.23' }).args.join(' ')).not.toContain('--clock-');
  });

  it('runs a worker with --worker, and passes the cluster CA, token and certificate on', () => {
    const secured = { tlsCa: 'ca.crt', tokenFile: 'token', tlsCert: 'c', tlsKey: 'k' };
    const spec = planJoin({ ...base, host: '10.20.0.23', worker: true, ...secured });
    expect(spec).toMatchObject({ app: 'factorial-worker', address: '10.20.0.23:50053' });
    expect(spec.args.join(' ')).toContain('--tls-ca ca.crt --token-file token --tls-cert c --tls-key k');
  });

  it('needs an id to join as a peer', () => {
    expect(() => planJoin(base)).toThrow('--id is required');
  });

  it('refuses to listen everywhere without --advertise for a registry on another machine, saying what to pass', () => {
    expect(() => planJoin({ ...base, id: 7 })).toThrow('pass --advertise HOST[:PORT]');
  });

  it("needs this machine's certificate to join a secured cluster, saying where it comes from", () => {
    expect(() => planJoin({ ...base, id: 7, advertise: '10.20.0.23', tlsCa: 'ca.crt' })).toThrow('distlab certs issue');
  });
});

describe('distlab join', () => {
  let balancer: ServerProcessHandle | undefined;
  let cluster: PeerCluster | undefined;
  let joined: SpawnedProcess | undefined;

  afterEach(async () => {
    await joined?.stop();
    await cluster?.stop();
    await balancer?.process.stop();
  });

  it('adds a peer to a running cluster through its registry, its clock set off as asked; the cluster elects it', async () => {
    balancer = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts'));
    cluster = await PeerCluster.start({ size: 2, registry: balancer.address });
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'distlab-join-'));
    joined = spawnDistlab([
      ...['join', '--registry', balancer.address, '--id', '3', '--host', '0.0.0.0', '--port', String(port)],
      ...['--advertise', '127.0.0.1', '--events-dir', join(dir, 'events'), '--state-dir', join(dir, 'state')],
      ...['--clock-skew-ms', '-400'],
    ]);
    await joined.waitForLine((line) => line.includes('distlab join: peer-3 serves at'), 60_000);
    // Its clock is set off as asked, for the clock-sync labs.
    const time = createClient(TimeServiceClient, `127.0.0.1:${port}`, { maxAttempts: 1 });
    try {
      const reading = await unaryCall(time, 'getTime', {});
      expect(Math.round(durationToMs(reading.offsetFromSystem, 0))).toBe(-400);
    } finally {
      time.close();
    }

    const election = createClient(ElectionServiceClient, cluster.addresses.get(1)!, { maxAttempts: 1 });
    const members = createClient(ClusterServiceClient, cluster.addresses.get(1)!, { maxAttempts: 1 });
    try {
      let leader = 0;
      for (const deadline = Date.now() + 30_000; leader !== 3 && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const view = await unaryCall(election, 'getLeader', {});
        leader = view.electionInProgress ? 0 : view.leaderId;
      }
      expect(leader).toBe(3);
      const listed = await unaryCall(members, 'listMembers', {});
      const three = listed.members.find((member) => member.peerId === 3);
      expect(three?.address).toBe(`127.0.0.1:${port}`);
    } finally {
      election.close();
      members.close();
    }
  });

  it('a peer process on 0.0.0.0 without --advertise refuses a registry on another machine, saying what to pass', async () => {
    // registry.invalid never resolves (RFC 6761), and the refusal comes before anything is dialled.
    const dir = mkdtempSync(join(tmpdir(), 'distlab-join-'));
    joined = spawnTypeScript(join(WORKSPACE_ROOT, 'apps', 'peer', 'src', 'main.ts'), [
      ...['--id', '4', '--host', '0.0.0.0', '--port', '0', '--registry', 'registry.invalid:50051'],
      ...['--events-dir', join(dir, 'events'), '--state-dir', join(dir, 'state')],
    ]);
    expect(await joined.exited()).toBe(1);
    const output = joined.lines.join('\n');
    expect(output).toContain('"msg":"failed to start"');
    expect(output).toContain('without --advertise would register a loopback address');
    expect(output).toContain('pass --advertise HOST[:PORT]');
  });

  it('says --id is needed to join as a peer, with exit code 2', async () => {
    joined = spawnDistlab(['join', '--registry', '127.0.0.1:1']);
    expect(await joined.exited()).toBe(2);
    expect(joined.stderr).toContain('--id is required');
  });
});
