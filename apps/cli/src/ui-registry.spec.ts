import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SystemView } from '@distlab/live-view';
import {
  PeerCluster,
  startServerProcess,
  WORKSPACE_ROOT,
  type ServerProcessHandle,
  type SpawnedProcess,
  spawnDistlab,
} from '@distlab/testing';

// A cluster on other machines is watched and drawn through its registry: `distlab --registry R ui` finds the seed peer
// where the registry says (not on 127.0.0.1), and `distlab --registry R trace --live` reads the peers found there. On
// loopback here; the classroom-network spec runs the same commands across network namespaces.

const WAIT_MS = 60_000;

let balancer: ServerProcessHandle | undefined;
let cluster: PeerCluster | undefined;
let ui: SpawnedProcess | undefined;

beforeAll(async () => {
  balancer = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts'));
  cluster = await PeerCluster.start({ size: 2, registry: balancer.address });
}, WAIT_MS);

afterAll(async () => {
  await ui?.stop();
  await cluster?.stop();
  await balancer?.process.stop();
});

it('serves the live view of a cluster found through its registry', async () => {
  // The peers' well-known layout ports (base port 50000) hold nothing here: only the registry knows where they are.
  ui = spawnDistlab(['--registry', balancer!.address, 'ui', '--ui-port', '0']);
  const url = (await ui.waitForLine((line) => line.startsWith('live view: '), WAIT_MS)).slice('live view: '.length);
  let view: SystemView | undefined;
  for (
    const until = Date.now() + WAIT_MS;
    Date.now() < until;
    await new Promise((resolve) => setTimeout(resolve, 250))
  ) {
    view = (await (await fetch(`${url}api/view`)).json()) as SystemView;
    if (view.peers.length === 2 && view.peers.every((peer) => peer.health === 'SERVING')) break;
  }
  expect(view?.peers.map((peer) => [peer.peerId, peer.address, peer.health])).toEqual([
    [1, cluster!.addresses.get(1), 'SERVING'],
    [2, cluster!.addresses.get(2), 'SERVING'],
  ]);
  expect(view?.balancer?.address).toBe(balancer!.address);
}, 120_000);

it('draws the live cluster found through its registry', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'distlab-trace-')), 'trace.html');
  const trace = spawnDistlab(['--registry', balancer!.address, 'trace', '--live', '--out', out]);
  expect(await trace.exited()).toBe(0);
  expect(trace.lines.join('\n')).toMatch(/^\d+ events → /m);
  expect(readFileSync(out, 'utf8')).toContain('peer-2');
}, 120_000);

it('says so when the registry knows no such peer', async () => {
  const missing = spawnDistlab(['--registry', balancer!.address, 'ui', '--ui-port', '0', '--peer', '7']);
  try {
    const exited = await Promise.race([missing.exited(), missing.waitForLine(() => true, WAIT_MS)]);
    expect(exited).toBe(1);
    expect(missing.stderr).toContain('no live peer-7 in the registry');
  } finally {
    await missing.stop();
  }
}, 120_000);
