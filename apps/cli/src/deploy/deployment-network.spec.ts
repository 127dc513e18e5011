import { netnsUnavailableReason, postgresUnavailableReason } from '@distlab/testing';
import { kustomizedObjects } from '../test-support/deployment-files';
import { composePods, kubernetesPods } from '../test-support/deployment-pods';
import { DeployedSystem } from '../test-support/deployed-system';

// The second half of the deployment files' test (deployment-files.spec.ts checks them against each app's parser):
// compose.yaml's services and the kustomize output's pods are started as the exact commands and environments their
// containers would run (the image's entry script resolving each), one network namespace per pod, with the service
// names resolvable there (compose's service names; Kubernetes's Service names and a StatefulSet's peer-N.peers), and
// PostgreSQL with the account the files give it. Then, from another host: the registry lists every peer at the name
// it advertises, every worker and inventory replica; the peers agree on the highest id; a lock works through a peer;
// a factorial is computed through the balancer; an item added through the balancer reads back from each inventory
// replica (one database). What this does not show (images, orchestrators, probes) is said in docs/deploy.md.

const unavailable = netnsUnavailableReason() ?? postgresUnavailableReason();
const describeOnLinux = unavailable === undefined ? describe : describe.skip;
if (unavailable !== undefined) console.warn(`deployment files not run as processes: ${unavailable}`);

const BALANCER = 'balancer:50051';
const FACTORIAL = 'distlab.factorial.v1.FactorialService';
const INVENTORY = 'distlab.inventory.v1.InventoryService';

interface Registration {
  name: string;
  address: string;
}

interface Expected {
  /** Each peer's id and the address it must be registered at (its stable name). */
  peers: Record<number, string>;
  workers: string[];
  inventories: string[];
}

async function checkSystem(system: DeployedSystem, expected: Expected): Promise<void> {
  const { probe } = system;
  const addressesOf = (list: Registration[], name: string) =>
    list
      .filter((entry) => entry.name === name)
      .map((entry) => entry.address)
      .sort();
  const registered = await probe.until<Registration[]>(
    { op: 'registrations', address: BALANCER },
    (list) =>
      Object.entries(expected.peers).every(([id, address]) => addressesOf(list, `peer-${id}`)[0] === address) &&
      addressesOf(list, FACTORIAL).length === expected.workers.length &&
      addressesOf(list, INVENTORY).length === expected.inventories.length,
  );
  expect(addressesOf(registered, FACTORIAL)).toEqual([...expected.workers].sort());
  expect(addressesOf(registered, INVENTORY)).toEqual([...expected.inventories].sort());

  const highest = Math.max(...Object.keys(expected.peers).map(Number));
  for (const address of Object.values(expected.peers))
    await probe.until<{ leaderId: number }>({ op: 'leader', address }, (view) => view.leaderId === highest);

  const lock = await probe.call({ op: 'lock', address: expected.peers[1] });
  expect(lock).toMatchObject({ ok: true, result: { fencingToken: expect.any(Number) } });

  const factorial = await probe.call({ op: 'factorial', address: BALANCER, n: 20 });
  expect(factorial).toMatchObject({ ok: true, result: { value: '2432902008176640000' } });

  const added = await probe.call({ op: 'add-item', address: BALANCER, name: 'deployed-widget', quantity: 7 });
  expect(added).toMatchObject({ ok: true });
  const { id } = (added as { result: { id: string } }).result;
  for (const address of expected.inventories)
    expect(await probe.call({ op: 'get-item', address, itemId: id })).toEqual({
      ok: true,
      result: { name: 'deployed-widget', quantity: 7 },
    });
}

describeOnLinux('compose.yaml, each service a host of its own', () => {
  let system: DeployedSystem | undefined;

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('registers, elects, locks, computes through the balancer and stores on PostgreSQL', async () => {
    system = await DeployedSystem.start(composePods());
    await checkSystem(system, {
      peers: Object.fromEntries([1, 2, 3, 4, 5].map((id) => [id, `peer-${id}:${50_060 + id}`])),
      workers: ['worker-1:50053', 'worker-2:50053'],
      inventories: ['inventory-1:50052', 'inventory-2:50052'],
    });
  }, 180_000);
});

describeOnLinux('the kustomize output, each pod a host of its own', () => {
  let system: DeployedSystem | undefined;

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('registers, elects, locks, computes through the balancer and stores on PostgreSQL', async () => {
    system = await DeployedSystem.start(kubernetesPods(kustomizedObjects().objects));
    const podAddresses = (app: string, port: number) =>
      system!.podsOf(app).map((pod) => `${system!.network.host(pod.host).address}:${port}`);
    await checkSystem(system, {
      // A StatefulSet's pod peer-N is peer N + 1, at its stable name under the headless Service.
      peers: Object.fromEntries([0, 1, 2, 3, 4].map((ordinal) => [ordinal + 1, `peer-${ordinal}.peers:50061`])),
      workers: podAddresses('worker', 50_053),
      inventories: podAddresses('inventory', 50_052),
    });
  }, 180_000);
});
