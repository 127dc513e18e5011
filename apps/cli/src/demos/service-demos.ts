import { randomUUID } from 'node:crypto';
import { FactorialServiceClient } from '@distlab/contracts/factorial/v1/factorial';
import { InventoryServiceClient } from '@distlab/contracts/inventory/v1/inventory';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { verdict, type DemoRun } from './demo-kit';

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
