import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { InventoryServiceClient } from '@distlab/contracts/inventory/v1/inventory';
import {
  createClient,
  pageTokens,
  silentLogger,
  unaryCall,
  type RunningServer,
  type UnaryMethodName,
} from '@distlab/grpc-kit';
import { postgresUnavailableReason, startPostgres, type TestPostgres } from '@distlab/testing';
import { startInventory } from './inventory-server';
import type { InventoryStore } from './store/inventory-store';
import { PostgresStore } from './store/postgres-store';
import { SqliteStore } from './store/sqlite-store';

// The InventoryService contract, every method and every documented error, run unchanged against both storage
// engines through the generated client and a real server on 127.0.0.1:0.

const pgReason = postgresUnavailableReason();
if (pgReason !== undefined) console.warn(`PostgreSQL inventory tests SKIPPED: ${pgReason}`);

let postgres: TestPostgres | undefined;
let databases = 0;

beforeAll(async () => {
  if (pgReason === undefined) postgres = await startPostgres();
}, 60_000);

afterAll(() => postgres?.stop());

type Engine = [name: string, open: () => Promise<InventoryStore>];
const engines: Engine[] = [['sqlite', async () => new SqliteStore(mkdtempSync(join(tmpdir(), 'distlab-inventory-')))]];
if (pgReason === undefined) {
  engines.push(['postgres', async () => PostgresStore.open(postgres!.createDatabase(`inventory_${++databases}`))]);
}

describe.each(engines)('InventoryService on %s', (_engine, open) => {
  let server: RunningServer;
  let client: InventoryServiceClient;
  // Loosely typed on purpose: the tests send malformed requests too.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = (method: UnaryMethodName<InventoryServiceClient>, request: object): Promise<any> =>
    unaryCall(client, method, request as never);
  const add = async (name = 'widget', quantity = '10') =>
    (await call('addItem', { name, quantity, requestId: '' })).item;

  beforeEach(async () => {
    server = await startInventory({
      server: { host: '127.0.0.1', port: 0 },
      store: await open(),
      logger: silentLogger(),
    });
    client = createClient(InventoryServiceClient, server.address);
  });

  afterEach(async () => {
    client.close();
    await server.shutdown(0);
  });

  describe('AddItem', () => {
    it('stores the trimmed name and quantity at version 1, with increasing ids', async () => {
      const first = await add('  widget  ', '10');
      const second = await add('gadget', '0');
      expect(first).toMatchObject({ name: 'widget', quantity: '10', version: '1' });
      expect(first.createTime).toBeInstanceOf(Date);
      expect(Number(second.id)).toBeGreaterThan(Number(first.id));
    });

    it('never reuses the id of a deleted item', async () => {
      const first = await add();
      await call('deleteItem', { id: first.id });
      const second = await add();
      expect(Number(second.id)).toBeGreaterThan(Number(first.id));
    });

    it.each([
      ['an empty name', { name: ' ', quantity: '1' }, status.INVALID_ARGUMENT, 'name must not be empty'],
      [
        'a 201-character name',
        { name: 'n'.repeat(201), quantity: '1' },
        status.INVALID_ARGUMENT,
        'name must have at most 200 characters (got 201)',
      ],
      [
        'a negative quantity',
        { name: 'x', quantity: '-1' },
        status.INVALID_ARGUMENT,
        'quantity must not be negative (got -1)',
      ],
      [
        'a quantity above 2^53-1',
        { name: 'x', quantity: '9007199254740992' },
        status.OUT_OF_RANGE,
        'quantity must be between 0 and 9007199254740991 (got 9007199254740992)',
      ],
      [
        'a quantity of -2^63, by the same rule as -1',
        { name: 'x', quantity: '-9223372036854775808' },
        status.INVALID_ARGUMENT,
        'quantity must not be negative (got -9223372036854775808)',
      ],
      [
        'an over-long request_id',
        { name: 'x', quantity: '1', requestId: 'r'.repeat(101) },
        status.INVALID_ARGUMENT,
        'request_id must have at most 100',
      ],
    ])('refuses %s', async (_case, request, code, details) => {
      await expect(call('addItem', { requestId: '', ...request })).rejects.toMatchObject({
        code,
        details: expect.stringContaining(details),
      });
    });

    it('creates one item for a retried request_id, and refuses the key for a different request', async () => {
      const request = { name: 'once', quantity: '5', requestId: 'req-1' };
      const first = (await call('addItem', request)).item;
      const retry = (await call('addItem', request)).item;
      expect(retry).toEqual(first);
      expect((await call('listItems', { pageSize: 0, pageToken: '' })).items).toHaveLength(1);
      await expect(call('addItem', { ...request, quantity: '6' })).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
        details: 'request_id "req-1" was already used for a different request',
      });
    });
  });

  describe('GetItem', () => {
    it('reads an item back exactly as stored', async () => {
      const item = await add();
      expect((await call('getItem', { id: item.id })).item).toEqual(item);
    });

    it.each([
      ['a missing id', '999', status.NOT_FOUND, 'no item with id 999'],
      ['id 0', '0', status.INVALID_ARGUMENT, 'id is required'],
      [
        'an id of 2^53, beyond any the store assigns',
        '9007199254740992',
        status.OUT_OF_RANGE,
        'id must be between 1 and 9007199254740991 (got 9007199254740992)',
      ],
      [
        'an id of 2^64-1',
        '18446744073709551615',
        status.OUT_OF_RANGE,
        'id must be between 1 and 9007199254740991 (got 18446744073709551615)',
      ],
    ])('answers %s', async (_case, id, code, details) => {
      await expect(call('getItem', { id })).rejects.toMatchObject({ code, details: expect.stringContaining(details) });
    });
  });

  describe('UpdateItem', () => {
    it('sets the quantity (and the name), bumping the version and update time', async () => {
      const item = await add('widget', '10');
      await new Promise((resolve) => setTimeout(resolve, 5));
      const updated = (await call('updateItem', { id: item.id, quantity: '3', name: 'sprocket' })).item;
      expect(updated).toMatchObject({ id: item.id, name: 'sprocket', quantity: '3', version: '2' });
      expect(updated.updateTime.getTime()).toBeGreaterThan(item.updateTime.getTime());
      expect(updated.createTime).toEqual(item.createTime);
    });

    it('applies only at the expected version, naming the current one otherwise', async () => {
      const item = await add();
      await call('updateItem', { id: item.id, quantity: '4', expectedVersion: '1' });
      await expect(call('updateItem', { id: item.id, quantity: '5', expectedVersion: '1' })).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
        details: `item ${item.id} is at version 2, not the expected 1`,
      });
      expect((await call('getItem', { id: item.id })).item.quantity).toBe('4');
    });

    it('answers NOT_FOUND for a missing item and INVALID_ARGUMENT for a negative quantity', async () => {
      await expect(call('updateItem', { id: '999', quantity: '1' })).rejects.toMatchObject({ code: status.NOT_FOUND });
      const item = await add();
      await expect(call('updateItem', { id: item.id, quantity: '-5' })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
      });
    });
  });

  describe('AdjustQuantity', () => {
    it('adds and subtracts, bumping the version each time (zero included)', async () => {
      const item = await add('widget', '10');
      expect((await call('adjustQuantity', { id: item.id, delta: '5', requestId: '' })).item).toMatchObject({
        quantity: '15',
        version: '2',
      });
      expect((await call('adjustQuantity', { id: item.id, delta: '-15', requestId: '' })).item).toMatchObject({
        quantity: '0',
        version: '3',
      });
      expect((await call('adjustQuantity', { id: item.id, delta: '0', requestId: '' })).item).toMatchObject({
        quantity: '0',
        version: '4',
      });
    });

    it('refuses to go below zero with FAILED_PRECONDITION and changes nothing', async () => {
      const item = await add('widget', '3');
      await expect(call('adjustQuantity', { id: item.id, delta: '-4', requestId: '' })).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
        details: `item ${item.id} has quantity 3: adjusting by -4 would go below zero`,
      });
      expect((await call('getItem', { id: item.id })).item).toMatchObject({ quantity: '3', version: '1' });
    });

    it('refuses to exceed 2^53-1 with OUT_OF_RANGE and changes nothing', async () => {
      const item = await add('widget', String(Number.MAX_SAFE_INTEGER - 1));
      await expect(call('adjustQuantity', { id: item.id, delta: '2', requestId: '' })).rejects.toMatchObject({
        code: status.OUT_OF_RANGE,
      });
      expect((await call('getItem', { id: item.id })).item.version).toBe('1');
    });

    it('answers NOT_FOUND for a missing item', async () => {
      await expect(call('adjustQuantity', { id: '12345', delta: '1', requestId: '' })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });
    });

    it('applies a retried request_id once and returns the first result', async () => {
      const item = await add('widget', '10');
      const first = (await call('adjustQuantity', { id: item.id, delta: '7', requestId: 'adj-1' })).item;
      const retry = (await call('adjustQuantity', { id: item.id, delta: '7', requestId: 'adj-1' })).item;
      expect(retry).toEqual(first);
      expect((await call('getItem', { id: item.id })).item.quantity).toBe('17');
    });

    it('loses no update: 8 clients × 500 adjustments of +1 end at exactly +4000', async () => {
      const item = await add('contended', '0');
      const clients = Array.from({ length: 8 }, () =>
        createClient(InventoryServiceClient, server.address, {
          channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
        }),
      );
      try {
        await Promise.all(
          clients.map(async (own) => {
            for (let index = 0; index < 500; index += 1) {
              await unaryCall(own, 'adjustQuantity', { id: item.id, delta: '1', requestId: '' });
            }
          }),
        );
      } finally {
        clients.forEach((own) => own.close());
      }
      expect((await call('getItem', { id: item.id })).item).toMatchObject({ quantity: '4000', version: '4001' });
    }, 120_000);
  });

  describe('DeleteItem', () => {
    it('returns the deleted item; the item is then gone', async () => {
      const item = await add();
      expect((await call('deleteItem', { id: item.id })).item).toEqual(item);
      await expect(call('getItem', { id: item.id })).rejects.toMatchObject({ code: status.NOT_FOUND });
      await expect(call('deleteItem', { id: item.id })).rejects.toMatchObject({ code: status.NOT_FOUND });
    });

    it('deletes only at the expected version', async () => {
      const item = await add();
      await call('adjustQuantity', { id: item.id, delta: '1', requestId: '' });
      await expect(call('deleteItem', { id: item.id, expectedVersion: '1' })).rejects.toMatchObject({
        code: status.FAILED_PRECONDITION,
        details: `item ${item.id} is at version 2, not the expected 1`,
      });
      await expect(call('deleteItem', { id: item.id, expectedVersion: '2' })).resolves.toBeDefined();
    });
  });

  describe('fencing', () => {
    const fence = (token: number, resource = 'stock') => ({ resource, token: String(token) });

    it('accepts writes at the newest token or a newer one, on every write method', async () => {
      const { item } = await call('addItem', { name: 'fenced', quantity: '1', requestId: '', fence: fence(1) });
      await call('adjustQuantity', { id: item.id, delta: '1', requestId: '', fence: fence(1) });
      await call('updateItem', { id: item.id, quantity: '5', fence: fence(2) });
      await call('deleteItem', { id: item.id, fence: fence(3) });
    });

    it('refuses a late write with an older token (FAILED_PRECONDITION) and changes nothing', async () => {
      const item = await add('contended', '10');
      // The old holder's lease ran out while it was paused; the new holder (token 8) writes first.
      await call('updateItem', { id: item.id, quantity: '20', fence: fence(8) });
      for (const [method, request] of [
        ['updateItem', { id: item.id, quantity: '99' }],
        ['adjustQuantity', { id: item.id, delta: '-5', requestId: '' }],
        ['deleteItem', { id: item.id }],
        ['addItem', { name: 'late', quantity: '1', requestId: '' }],
      ] as const) {
        await expect(call(method, { ...request, fence: fence(7) })).rejects.toMatchObject({
          code: status.FAILED_PRECONDITION,
          details: expect.stringContaining('fencing token 7 for "stock" is older than 8'),
        });
      }
      expect((await call('getItem', { id: item.id })).item).toMatchObject({ quantity: '20', version: '2' });
      // Resources are independent: token 1 is the newest for another one.
      await call('adjustQuantity', { id: item.id, delta: '1', requestId: '', fence: fence(1, 'other') });
    });

    it('refuses a malformed fence with INVALID_ARGUMENT', async () => {
      const item = await add();
      await expect(
        call('adjustQuantity', { id: item.id, delta: '1', requestId: '', fence: fence(0) }),
      ).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('fence.token'),
      });
      await expect(
        call('adjustQuantity', { id: item.id, delta: '1', requestId: '', fence: { resource: '', token: '3' } }),
      ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('fence.resource') });
    });
  });

  describe('ListItems', () => {
    it('pages by id with the default size of 50, and ends with an empty token', async () => {
      for (let index = 0; index < 120; index += 1) await add(`item-${index}`, String(index));
      const sizes: number[] = [];
      const ids: number[] = [];
      let pageToken = '';
      do {
        const page = await call('listItems', { pageSize: 0, pageToken });
        sizes.push(page.items.length);
        ids.push(...page.items.map((item: { id: string }) => Number(item.id)));
        pageToken = page.nextPageToken;
      } while (pageToken !== '');
      expect(sizes).toEqual([50, 50, 20]);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(120);
    }, 60_000);

    it('caps the page size at 1000', async () => {
      for (let batch = 0; batch < 21; batch += 1) {
        await Promise.all(Array.from({ length: 50 }, (_, index) => add(`bulk-${batch}-${index}`, '1')));
      }
      const page = await call('listItems', { pageSize: 5000, pageToken: '' });
      expect(page.items).toHaveLength(1000);
      expect(page.nextPageToken).not.toBe('');
      expect((await call('listItems', { pageSize: 5000, pageToken: page.nextPageToken })).items).toHaveLength(50);
    }, 60_000);

    it('shows an item added while paging on a later page, and skips one deleted', async () => {
      const [a, b] = [await add('a'), await add('b')];
      const first = await call('listItems', { pageSize: 1, pageToken: '' });
      expect(first.items.map((item: { id: string }) => item.id)).toEqual([a.id]);
      const c = await add('c');
      await call('deleteItem', { id: b.id });
      const second = await call('listItems', { pageSize: 1, pageToken: first.nextPageToken });
      expect(second.items.map((item: { id: string }) => item.id)).toEqual([c.id]);
      expect(second.nextPageToken).toBe('');
    });

    it.each([
      ['a negative page size', { pageSize: -1, pageToken: '' }, 'page_size must not be negative'],
      [
        'a token it did not produce',
        { pageSize: 10, pageToken: 'garbage!' },
        'page_token was not issued by this server for this request',
      ],
      [
        'a hand-made token (base64url of "v1:0")',
        { pageSize: 10, pageToken: Buffer.from('v1:0').toString('base64url') },
        'page_token was not issued by this server for this request',
      ],
      [
        'a token signed with another key',
        {
          pageSize: 10,
          pageToken: pageTokens('distlab.inventory.v1.InventoryService/ListItems', { key: randomBytes(32) }).encode(1),
        },
        'page_token was not issued by this server for this request',
      ],
    ])('answers INVALID_ARGUMENT to %s', async (_case, request, details) => {
      await expect(call('listItems', request)).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining(details),
      });
    });
  });
});

(pgReason === undefined ? describe : describe.skip)('two replicas sharing PostgreSQL', () => {
  it('lose no update: 8 clients × 500 adjustments of +1 across both end at exactly +4000', async () => {
    const url = postgres!.createDatabase('inventory_replicas');
    const replicas = await Promise.all(
      [0, 1].map(async () =>
        startInventory({
          server: { host: '127.0.0.1', port: 0 },
          store: await PostgresStore.open(url),
          logger: silentLogger(),
        }),
      ),
    );
    const clients = Array.from({ length: 8 }, (_, index) =>
      createClient(InventoryServiceClient, replicas[index % 2].address),
    );
    try {
      const item = (await unaryCall(clients[0], 'addItem', { name: 'shared', quantity: '0', requestId: '' })).item!;
      await Promise.all(
        clients.map(async (own) => {
          for (let index = 0; index < 500; index += 1)
            await unaryCall(own, 'adjustQuantity', { id: item.id, delta: '1', requestId: '' });
        }),
      );
      const final = (await unaryCall(clients[1], 'getItem', { id: item.id })).item;
      expect(final).toMatchObject({ quantity: '4000', version: '4001' });
      // Page tokens are signed with the database's key: one replica's token pages on at the other.
      await unaryCall(clients[0], 'addItem', { name: 'second', quantity: '0', requestId: '' });
      const first = await unaryCall(clients[0], 'listItems', { pageSize: 1, pageToken: '' });
      const next = await unaryCall(clients[1], 'listItems', { pageSize: 1, pageToken: first.nextPageToken });
      expect(next.items.map((listed) => listed.name)).toEqual(['second']);
    } finally {
      clients.forEach((own) => own.close());
      await Promise.all(replicas.map((replica) => replica.shutdown(0)));
    }
  }, 120_000);
});
