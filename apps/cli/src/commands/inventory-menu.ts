import { createInterface } from 'node:readline';
import { InventoryServiceClient, type Item } from '@distlab/contracts/inventory/v1/inventory';
import { codeName, isServiceError, unaryCall } from '@distlab/grpc-kit';
import { itemTable } from './inventory-format';

/** The item of a response, as a one-row list: the server always sends one with a successful answer. */
function present(item: Item | undefined): Item[] {
  return item === undefined ? [] : [item];
}

/**
 * The seed's interactive menu (1 add, 2 update, 3 delete, 4 get, 5 list, 6 quit), over gRPC. Bad input re-prompts;
 * a refused call prints its status and returns to the menu; end of input quits. Works on a terminal and on piped
 * stdin alike: lines are queued as they arrive, so none is lost between prompts.
 */
export async function runInventoryMenu(client: InventoryServiceClient, target: string): Promise<void> {
  const lines: string[] = [];
  const waiting: Array<(line: string | undefined) => void> = [];
  let closed = false;
  const input = createInterface({ input: process.stdin, terminal: false });
  input.on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter === undefined) lines.push(line);
    else waiter(line);
  });
  input.on('close', () => {
    closed = true;
    waiting.splice(0).forEach((resolve) => resolve(undefined));
  });
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const ask = (prompt: string): Promise<string | undefined> => {
    process.stdout.write(prompt);
    if (lines.length > 0) return Promise.resolve(lines.shift());
    if (closed) return Promise.resolve(undefined);
    return new Promise((resolve) => waiting.push(resolve));
  };
  /** Asks until the answer passes `parse`; undefined at end of input. */
  const askFor = async <T>(
    prompt: string,
    parse: (answer: string) => T | undefined,
    hint: string,
  ): Promise<T | undefined> => {
    for (;;) {
      const answer = await ask(prompt);
      if (answer === undefined) return undefined;
      const value = parse(answer.trim());
      if (value !== undefined) return value;
      out(`  ${hint}`);
    }
  };
  const nonNegative = (answer: string) => (/^\d+$/.test(answer) ? answer : undefined);
  const text = (answer: string) => (answer.length > 0 ? answer : undefined);

  const actions: Record<string, () => Promise<boolean>> = {
    '1': async () => {
      const name = await askFor('  name: ', text, 'a name is required');
      if (name === undefined) return false;
      const quantity = await askFor('  quantity: ', nonNegative, 'enter a whole number, 0 or more');
      if (quantity === undefined) return false;
      const { item } = await unaryCall(client, 'addItem', { name, quantity, requestId: '' });
      out(`added:\n${itemTable(present(item))}`);
      return true;
    },
    '2': async () => {
      const id = await askFor('  id: ', nonNegative, 'enter an item id (a whole number)');
      if (id === undefined) return false;
      const quantity = await askFor('  new quantity: ', nonNegative, 'enter a whole number, 0 or more');
      if (quantity === undefined) return false;
      const { item } = await unaryCall(client, 'updateItem', { id, quantity });
      out(`updated:\n${itemTable(present(item))}`);
      return true;
    },
    '3': async () => {
      const id = await askFor('  id: ', nonNegative, 'enter an item id (a whole number)');
      if (id === undefined) return false;
      const { item } = await unaryCall(client, 'deleteItem', { id });
      out(`deleted:\n${itemTable(present(item))}`);
      return true;
    },
    '4': async () => {
      const id = await askFor('  id: ', nonNegative, 'enter an item id (a whole number)');
      if (id === undefined) return false;
      const { item } = await unaryCall(client, 'getItem', { id });
      out(itemTable(present(item)));
      return true;
    },
    '5': async () => {
      const { items, nextPageToken } = await unaryCall(client, 'listItems', { pageSize: 50, pageToken: '' });
      out(items.length === 0 ? '(no items)' : itemTable(items));
      if (nextPageToken !== '') out('(first 50 shown: use `distlab inventory list --all` for everything)');
      return true;
    },
  };

  out(`Inventory at ${target}`);
  for (;;) {
    out('1) add  2) update  3) delete  4) get  5) list  6) quit');
    const choice = await ask('choice> ');
    if (choice === undefined || choice.trim() === '6') break;
    const action = actions[choice.trim()];
    if (action === undefined) {
      out(`  "${choice.trim()}" is not a choice: enter 1 to 6`);
      continue;
    }
    try {
      if (!(await action())) break;
    } catch (error) {
      out(
        isServiceError(error)
          ? `  error: ${codeName(error.code)}: ${error.details}`
          : `  error: ${(error as Error).message}`,
      );
    }
  }
  out('bye');
  input.close();
}
