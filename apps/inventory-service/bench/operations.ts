// Operations the benchmark's load threads run (libs/testing runLoad loads this module in each worker thread).
import { GreeterServiceClient } from '@distlab/contracts/greeter/v1/greeter';
import { InventoryServiceClient } from '@distlab/contracts/inventory/v1/inventory';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { seededRandom } from '@distlab/testing';

/** Items the benchmark adds before measuring; reads and writes pick among them. */
export const PREPOPULATED_ITEMS = 1000;

/**
 * Load clients use their own connection and no retry policy: grpc-js's retry machinery costs about 110 µs of client
 * CPU per call here (362 against 250 µs), and the clients share the machine's two cores with the server under test.
 */
const settings = { channelOptions: { 'grpc.use_local_subchannel_pool': 1 }, maxAttempts: 1 };

/** The kind of operation, from the target's prefix: "echo:host:port" or "crud:host:port". */
export function createOperation(target: string, seed: number): () => Promise<void> {
  const [kind, address] = [target.slice(0, target.indexOf(':')), target.slice(target.indexOf(':') + 1)];
  return kind === 'echo' ? echo(address) : mixedCrud(address, seed);
}

/** The ceiling: the cheapest unary call on the same server stack. */
function echo(address: string): () => Promise<void> {
  const client = createClient(GreeterServiceClient, address, settings);
  return async () => {
    await unaryCall(client, 'sayHello', { name: 'bench' });
  };
}

/** 50% get, 20% adjust, 10% add, 10% update, 10% list (a page of 10). */
function mixedCrud(address: string, seed: number): () => Promise<void> {
  const client = createClient(InventoryServiceClient, address, settings);
  const random = seededRandom(seed);
  const anyId = () => String(1 + Math.floor(random() * PREPOPULATED_ITEMS));
  return async () => {
    const draw = random();
    if (draw < 0.5) await unaryCall(client, 'getItem', { id: anyId() });
    else if (draw < 0.7) await unaryCall(client, 'adjustQuantity', { id: anyId(), delta: '1', requestId: '' });
    else if (draw < 0.8) await unaryCall(client, 'addItem', { name: 'bench item', quantity: '1', requestId: '' });
    else if (draw < 0.9)
      await unaryCall(client, 'updateItem', { id: anyId(), quantity: String(Math.floor(random() * 1000)) });
    else await unaryCall(client, 'listItems', { pageSize: 10, pageToken: '' });
  };
}
