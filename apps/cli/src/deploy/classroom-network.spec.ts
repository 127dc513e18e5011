import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netnsUnavailableReason, VirtualNetwork, WORKSPACE_ROOT, type SpawnedProcess } from '@distlab/testing';
import { buildProgram } from '../program';
import { planSystem } from '../up/system';

// The lab beyond one machine (issue 26), as a classroom would run it: the registry (the balancer) on the teacher's
// machine, peers 1–4, a factorial worker and the inventory each on a machine of its own, peer 5 on a student's laptop
// that joins with `distlab join --registry HOST:PORT --id 5`, and the CLI on yet another machine, which knows nothing
// but the registry's address. Each machine is a network namespace with its own address on one bridge, so nothing
// reaches anything through 127.0.0.1. Peers 1 and 2 bind their address (--host), peers 3 and 4, the worker, the
// inventory and the joined peer listen on every interface and name their address with --advertise. Every demo must
// print PASS against that system, found through `--registry` alone.

const unavailable = netnsUnavailableReason();
const describeOnLinux = unavailable === undefined ? describe : describe.skip;
if (unavailable !== undefined) console.warn(`classroom network test skipped: ${unavailable}`);

const CLI = join(WORKSPACE_ROOT, 'apps', 'cli', 'src', 'main.ts');
const REGISTRY_PORT = 50051;
const STARTED_MS = 90_000;
/** Every demo there is: the choices of `distlab demo`, but `all`. */
const DEMOS = buildProgram()
  .commands.find((command) => command.name() === 'demo')!
  .registeredArguments[0].argChoices!.filter((name) => name !== 'all');

const entry = (app: string) => join(WORKSPACE_ROOT, 'apps', app, 'src', 'main.ts');
const serving = (line: string) => line.includes('"msg":"serving"');

describeOnLinux('a classroom cluster across network namespaces', () => {
  const hosts = ['registry', 'peer1', 'peer2', 'peer3', 'peer4', 'laptop', 'worker', 'inventory', 'client'];
  let network: VirtualNetwork | undefined;
  const processes: SpawnedProcess[] = [];
  let joined: SpawnedProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'distlab-classroom-'));

  afterAll(async () => {
    try {
      // The joined peer is stopped as a user would (Ctrl-C drains it), then everything is killed if still running.
      joined?.child.kill('SIGTERM');
      await Promise.race([joined?.exited(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await Promise.all(processes.map((spawned) => spawned.stop()));
    } finally {
      network?.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('runs every demo, from another machine through the registry, and each prints PASS; hello, health and chat find peer 1 there', async () => {
    network = VirtualNetwork.create({ hosts });
    const address = (host: string) => network!.host(host).address;
    const registry = `${address('registry')}:${REGISTRY_PORT}`;
    const start = (host: string, file: string, args: string[]) => {
      const spawned = network!.spawnTypeScript(host, file, args);
      processes.push(spawned);
      return spawned;
    };
    const started = (spawned: SpawnedProcess, match = serving) => spawned.waitForLine(match, STARTED_MS);

    await started(
      start('registry', entry('balancer'), ['--host', address('registry'), '--port', String(REGISTRY_PORT)]),
    );

    // The peers keep the clocks `distlab up` sets wrong on purpose, so that the time demos have something to fix.
    const plan = planSystem({ peers: 5, workers: 1, basePort: 50_050, dataDir: dir, eventsDir: dir, stateDir: dir });
    const clockFlags = (id: number) => {
      const args = plan.others.find((spec) => spec.name === `peer-${id}`)!.args;
      return ['--clock-skew-ms', '--clock-drift-ppm'].flatMap((flag) => [flag, args[args.indexOf(flag) + 1]]);
    };
    const peerFiles = (id: number) => [
      ...['--events-dir', join(dir, `peer${id}`, 'events'), '--state-dir', join(dir, `peer${id}`, 'state')],
    ];
    const peer = (id: number) => {
      const port = 50_060 + id;
      const bound =
        id <= 2
          ? ['--host', address(`peer${id}`)]
          : ['--host', '0.0.0.0', '--advertise', `${address(`peer${id}`)}:${port}`];
      return start(`peer${id}`, entry('peer'), [
        ...['--id', String(id), ...bound, '--port', String(port), '--registry', registry],
        ...clockFlags(id),
        ...peerFiles(id),
      ]);
    };
    joined = start('laptop', CLI, [
      ...['join', '--registry', registry, '--id', '5', '--advertise', address('laptop')],
      ...peerFiles(5),
    ]);
    await Promise.all([
      ...[1, 2, 3, 4].map((id) => started(peer(id))),
      started(joined, (line) => line.startsWith('distlab join: peer-5 serves at')),
      started(
        start('worker', entry('factorial-worker'), [
          ...['--host', '0.0.0.0', '--advertise', address('worker'), '--port', '50053'],
          ...['--worker-id', 'worker-1', '--registry', registry],
        ]),
      ),
      started(
        start('inventory', entry('inventory-service'), [
          ...['--host', '0.0.0.0', '--advertise', address('inventory'), '--port', '50052'],
          ...['--registry', registry, '--data-dir', join(dir, 'inventory')],
        ]),
      ),
    ]);

    const demos = start('client', CLI, ['--registry', registry, 'demo', 'all']);
    const exitCode = await Promise.race([
      demos.exited(),
      new Promise((resolve) => setTimeout(() => resolve('timed out after 180 s'), 180_000).unref()),
    ]);
    const output = demos.lines.join('\n');
    if (exitCode !== 0) throw new Error(`distlab demo all exited ${exitCode}:\n${output}\n${demos.stderr}`);
    expect(DEMOS.length).toBeGreaterThanOrEqual(10);
    for (const demo of DEMOS) expect(output).toContain(`PASS: demo ${demo}`);
    expect(output).not.toMatch(/^\s*FAIL/m);
    // Nothing was started on the client's machine: the demos ran against the cluster the registry named.
    expect(output).not.toContain('starting a system for this demo');

    // The commands that talk to "peer 1" by default find it through the registry too.
    const cli = (args: string[]) => {
      const spawned = start('client', CLI, ['--registry', registry, ...args]);
      spawned.child.stdin!.end();
      return spawned.exited().then((code) => ({ code, output: spawned.lines.join('\n'), stderr: spawned.stderr }));
    };
    const [hello, health, chat] = await Promise.all([
      cli(['hello', '--name', 'Ada']),
      cli(['health']),
      cli(['chat', '--room', 'lab', '--user', 'ada', '--script']),
    ]);
    expect(hello).toMatchObject({ code: 0, output: expect.stringContaining('(from peer-1') });
    expect(health).toMatchObject({ code: 0, output: expect.stringContaining(`${address('peer1')}:50061`) });
    expect(chat).toMatchObject({ code: 0, output: expect.stringContaining('joined lab as ada') });
  }, 300_000);
});
