import { randomUUID } from 'node:crypto';
import { FactorialServiceClient } from '@distlab/contracts/factorial/v1/factorial';
import { InventoryServiceClient } from '@distlab/contracts/inventory/v1/inventory';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { codeName, createClient, msToDuration, unaryCall } from '@distlab/grpc-kit';
import { sleep, verdict, type DemoRun } from './demo-kit';

const CALLS = 12;
const CLIENTS = 8;
const ADJUSTMENTS_PER_CLIENT = 50;

/** n! by the plain product, as an independent check of the workers' product tree. */
function plainFactorial(n: number): bigint {
  let product = 1n;
  for (let factor = 2n; factor <= BigInt(n); factor += 1n) product *= factor;
  return product;
}

export async function factorialDemo(run: DemoRun): Promise<void> {
  run.say(`Factorial: ${CALLS} calls through the balancer, spread over the self-registered workers.`);
  const balancer = createClient(FactorialServiceClient, run.addresses.balancer, run.context.clientSettings());
  const servedBy = new Map<string, number>();
  let wrong = 0;
  try {
    for (let call = 0; call < CALLS; call += 1) {
      const n = 500 + call * 100;
      const answer = await unaryCall(balancer, 'compute', { n: String(n) });
      servedBy.set(answer.workerId, (servedBy.get(answer.workerId) ?? 0) + 1);
      if (answer.value !== plainFactorial(n).toString()) wrong += 1;
    }
  } finally {
    balancer.close();
  }
  run.say(`  served by: ${[...servedBy].map(([worker, count]) => `${worker} ×${count}`).join(', ')}`);
  run.check(verdict('every result exact', wrong === 0, `${CALLS - wrong} of ${CALLS} results equal the plain product`));
  const registry = createClient(RegistryServiceClient, run.addresses.balancer, run.context.clientSettings());
  const workers = await unaryCall(registry, 'lookup', { name: 'distlab.factorial.v1.FactorialService' }).finally(() =>
    registry.close(),
  );
  const registered = workers.registrations.length;
  run.check(
    verdict(
      'the balancer spreads calls',
      servedBy.size === registered,
      `${servedBy.size} of the ${registered} registered workers served the ${CALLS} calls`,
    ),
  );
}

export async function inventoryDemo(run: DemoRun): Promise<void> {
  run.say(`Inventory: ${CLIENTS} clients each add 1 to the same item ${ADJUSTMENTS_PER_CLIENT} times, all at once.`);
  const target = run.addresses.inventory;
  const clients = Array.from({ length: CLIENTS }, () =>
    createClient(InventoryServiceClient, target, run.context.clientSettings()),
  );
  try {
    const created = await unaryCall(clients[0], 'addItem', {
      name: `demo-${randomUUID().slice(0, 8)}`,
      quantity: '0',
      requestId: '',
    });
    const id = created.item!.id;
    await Promise.all(
      clients.map(async (client) => {
        for (let adjustment = 0; adjustment < ADJUSTMENTS_PER_CLIENT; adjustment += 1)
          await unaryCall(client, 'adjustQuantity', { id, delta: '1', requestId: randomUUID() });
      }),
    );
    const { item } = await unaryCall(clients[0], 'getItem', { id });
    const expected = CLIENTS * ADJUSTMENTS_PER_CLIENT;
    run.say(`  item ${id} "${item?.name}": quantity ${item?.quantity}, version ${item?.version}`);
    run.check(
      verdict(
        'no update lost',
        Number(item?.quantity) === expected,
        `quantity ${item?.quantity} after ${expected} concurrent +1s`,
      ),
    );
  } finally {
    for (const client of clients) client.close();
  }
}

/**
 * The classic failure fencing prevents: a lock holder is paused (a long GC, a stopped VM) past its lease, the lock goes
 * to another client, which writes; then the first wakes up and writes too, believing it still holds the lock. With
 * the fencing token on each write, the inventory refuses the late one.
 */
export async function fencingDemo(run: DemoRun): Promise<void> {
  const [first, second] = run.peerIds.length > 1 ? run.peerIds : [run.peerIds[0], run.peerIds[0]];
  const leaseMs = 300;
  run.say(
    `Fencing: client A holds the lock with a ${leaseMs} ms lease and pauses past it; client B takes the lock and writes; A wakes and writes late.`,
  );
  const inventory = createClient(InventoryServiceClient, run.addresses.inventory, run.context.clientSettings());
  try {
    const { item } = await unaryCall(inventory, 'addItem', {
      name: `fenced-${randomUUID().slice(0, 8)}`,
      quantity: '100',
      requestId: '',
    });
    const resource = `item-${item!.id}`;
    const holderA = await unaryCall(run.client(MutexServiceClient, first), 'acquire', {
      lease: msToDuration(leaseMs),
      clientName: 'client A',
    });
    run.say(`  A (through peer-${first}) holds token ${holderA.fencingToken}, then pauses…`);
    await sleep(2 * leaseMs);
    const holderB = await unaryCall(
      run.client(MutexServiceClient, second),
      'acquire',
      { lease: msToDuration(10_000), clientName: 'client B' },
      { deadlineMs: 10_000 },
    );
    await unaryCall(inventory, 'updateItem', {
      id: item!.id,
      quantity: '42',
      fence: { resource, token: holderB.fencingToken },
    });
    run.say(
      `  A's lease ran out; B (through peer-${second}) holds token ${holderB.fencingToken} and sets the quantity to 42`,
    );
    let refusal = '';
    try {
      await unaryCall(inventory, 'updateItem', {
        id: item!.id,
        quantity: '7',
        fence: { resource, token: holderA.fencingToken },
      });
    } catch (error) {
      refusal = `${codeName((error as { code: number }).code)}: ${(error as { details: string }).details}`;
    }
    run.say(`  A wakes and writes 7 with token ${holderA.fencingToken}: ${refusal || 'accepted (!)'}`);
    await unaryCall(run.client(MutexServiceClient, second), 'release', { fencingToken: holderB.fencingToken });
    const after = await unaryCall(inventory, 'getItem', { id: item!.id });
    run.check(
      verdict(
        'the late write is refused',
        refusal.startsWith('FAILED_PRECONDITION'),
        refusal || 'the stale write was accepted',
      ),
    );
    run.check(
      verdict(
        "the new holder's write stands",
        after.item?.quantity === '42',
        `quantity ${after.item?.quantity} (B wrote 42)`,
      ),
    );
  } finally {
    inventory.close();
  }
}
