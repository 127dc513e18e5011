import { Command, InvalidArgumentError } from 'commander';
import { InventoryServiceClient, Item, ListItemsResponse } from '@distlab/contracts/inventory/v1/inventory';
import { createClient, parseInteger, unaryCall } from '@distlab/grpc-kit';
import { action, CliContext } from '../context';
import { itemTable } from './inventory-format';
import { runInventoryMenu } from './inventory-menu';

function integer(label: string, min: bigint) {
  return (value: string): string => {
    if (!/^-?\d+$/.test(value) || BigInt(value) < min) {
      throw new InvalidArgumentError(
        `${label} must be a whole number${min === 0n ? ', 0 or more' : min === 1n ? ', 1 or more' : ''}`,
      );
    }
    return BigInt(value).toString();
  };
}
const id = integer('the id', 1n);

/** Runs `use` with an inventory client for the command's target, and closes it after. */
async function withInventory(
  command: Command,
  use: (client: InventoryServiceClient, context: CliContext) => Promise<void>,
) {
  const context = CliContext.of(command);
  const client = createClient(
    InventoryServiceClient,
    context.target(context.ports.inventory),
    context.clientSettings(),
  );
  try {
    await use(client, context);
  } finally {
    client.close();
  }
}

function printItem(context: CliContext, item: Item | undefined): void {
  if (item !== undefined) context.print(Item.toJSON(item), itemTable([item]));
}

export function inventoryCommand(program: Command): void {
  const inventory = program
    .command('inventory')
    .description('the inventory service; with no subcommand, the interactive menu')
    .action(
      action(async (_options: unknown, command: Command) => {
        const context = CliContext.of(command);
        const target = context.target(context.ports.inventory);
        const client = createClient(InventoryServiceClient, target, context.clientSettings());
        try {
          // A menu whose every choice would fail must not open: one read first, and its failure is the one line
          // (and exit 1) that `action` prints.
          await unaryCall(client, 'listItems', { pageSize: 1, pageToken: '' });
          await runInventoryMenu(client, target);
        } finally {
          client.close();
        }
      }),
    );

  inventory
    .command('add')
    .description('add an item (AddItem)')
    .requiredOption('--name <name>', "the item's name")
    .requiredOption('--quantity <n>', 'the initial quantity', integer('--quantity', 0n))
    .option('--request-id <id>', 'idempotency key: a retry with the same key creates nothing new')
    .action(
      action(async (options: { name: string; quantity: string; requestId?: string }, command: Command) =>
        withInventory(command, async (client, context) => {
          const request = { name: options.name, quantity: options.quantity, requestId: options.requestId ?? '' };
          printItem(context, (await unaryCall(client, 'addItem', request)).item);
        }),
      ),
    );

  inventory
    .command('get')
    .description('show an item (GetItem)')
    .argument('<id>', 'the item id', id)
    .action(
      action(async (itemId: string, _options: unknown, command: Command) =>
        withInventory(command, async (client, context) =>
          printItem(context, (await unaryCall(client, 'getItem', { id: itemId })).item),
        ),
      ),
    );

  inventory
    .command('update')
    .description("set an item's quantity, optionally its name, optionally only at a version (UpdateItem)")
    .argument('<id>', 'the item id', id)
    .requiredOption('--quantity <n>', 'the new quantity', integer('--quantity', 0n))
    .option('--name <name>', 'a new name')
    .option('--expected-version <v>', 'apply only if the item is at this version', integer('--expected-version', 1n))
    .action(
      action(
        async (
          itemId: string,
          options: { quantity: string; name?: string; expectedVersion?: string },
          command: Command,
        ) =>
          withInventory(command, async (client, context) => {
            const request = {
              id: itemId,
              quantity: options.quantity,
              name: options.name,
              expectedVersion: options.expectedVersion,
            };
            printItem(context, (await unaryCall(client, 'updateItem', request)).item);
          }),
      ),
    );

  inventory
    .command('adjust')
    .description("add to (or, negative, take from) an item's quantity atomically (AdjustQuantity)")
    .argument('<id>', 'the item id', id)
    .requiredOption('--delta <n>', 'the amount to add; negative to take away', integer('--delta', -(2n ** 63n)))
    .option('--request-id <id>', 'idempotency key: a retry with the same key applies once')
    .action(
      action(async (itemId: string, options: { delta: string; requestId?: string }, command: Command) =>
        withInventory(command, async (client, context) => {
          const request = { id: itemId, delta: options.delta, requestId: options.requestId ?? '' };
          printItem(context, (await unaryCall(client, 'adjustQuantity', request)).item);
        }),
      ),
    );

  inventory
    .command('delete')
    .description('delete an item, optionally only at a version (DeleteItem)')
    .argument('<id>', 'the item id', id)
    .option('--expected-version <v>', 'delete only if the item is at this version', integer('--expected-version', 1n))
    .action(
      action(async (itemId: string, options: { expectedVersion?: string }, command: Command) =>
        withInventory(command, async (client, context) => {
          printItem(
            context,
            (await unaryCall(client, 'deleteItem', { id: itemId, expectedVersion: options.expectedVersion })).item,
          );
        }),
      ),
    );

  inventory
    .command('list')
    .description('list items by id (ListItems)')
    .option('--page-size <n>', 'items per page (default 50, at most 1000)', parseInteger('--page-size', 1, 1000))
    .option('--page-token <token>', 'continue from a previous page')
    .option('--all', 'follow next_page_token to the end')
    .action(
      action(async (options: { pageSize?: number; pageToken?: string; all?: boolean }, command: Command) =>
        withInventory(command, async (client, context) => {
          const items: Item[] = [];
          let pageToken = options.pageToken ?? '';
          for (let pages = 0; pages < 100_000; pages += 1) {
            const page = await unaryCall(client, 'listItems', { pageSize: options.pageSize ?? 0, pageToken });
            items.push(...page.items);
            pageToken = page.nextPageToken;
            if (!options.all || pageToken === '') break;
          }
          const json = ListItemsResponse.toJSON({ items, nextPageToken: pageToken });
          const more = pageToken === '' ? '' : `\n(more: --page-token ${pageToken})`;
          context.print(json, (items.length === 0 ? '(no items)' : itemTable(items)) + more);
        }),
      ),
    );
}
