import type { Item as ItemMessage, InventoryServiceServer } from '@distlab/contracts/inventory/v1/inventory';
import {
  Code,
  createHandlers,
  limitText,
  pageTokens,
  requireText,
  StatusError,
  type Logger,
  type PageTokens,
} from '@distlab/grpc-kit';
import {
  InsufficientQuantityError,
  ItemNotFoundError,
  QUANTITY_MAX,
  QuantityOverflowError,
  RequestKeyReusedError,
  StaleFenceError,
  StorageUnavailableError,
  VersionMismatchError,
  type Fence,
  type InventoryStore,
  type Item,
  type RequestKey,
} from './store/inventory-store';

const NAME_MAX = 200;
const REQUEST_ID_MAX = 100;
const PAGE_SIZE_DEFAULT = 50;
const PAGE_SIZE_MAX = 1000;
/** ListItems pages by id: a token names the last id returned, signed with the database's key (see pageTokenKey). */
const PAGE_TOKEN_TAG = 'distlab.inventory.v1.InventoryService/ListItems';

/**
 * The inventory service's one status mapping. Definite failures (nothing was changed) get the codes a client can act
 * on; a storage failure is UNAVAILABLE, which for a write is indefinite: it may have been committed, so retry only
 * idempotent calls, or calls that carry a request_id.
 */
function inventoryErrorToStatus(error: unknown): StatusError | undefined {
  if (error instanceof ItemNotFoundError) return new StatusError(Code.NOT_FOUND, error.message);
  if (error instanceof VersionMismatchError) return new StatusError(Code.FAILED_PRECONDITION, error.message);
  if (error instanceof InsufficientQuantityError) return new StatusError(Code.FAILED_PRECONDITION, error.message);
  if (error instanceof QuantityOverflowError) return new StatusError(Code.OUT_OF_RANGE, error.message);
  if (error instanceof RequestKeyReusedError) return new StatusError(Code.FAILED_PRECONDITION, error.message);
  if (error instanceof StaleFenceError) return new StatusError(Code.FAILED_PRECONDITION, error.message);
  if (error instanceof StorageUnavailableError) return new StatusError(Code.UNAVAILABLE, error.message);
  // SQLite's write lock held by another process past busy_timeout: nothing was written.
  if ((error as { code?: string }).code === 'SQLITE_BUSY')
    return new StatusError(Code.UNAVAILABLE, 'storage busy: retry');
  return undefined;
}

/** InventoryService over any InventoryStore; validation of wire input happens here, at the edge. */
export function inventoryService(store: InventoryStore, logger: Logger): InventoryServiceServer {
  const handlers = createHandlers({ logger, mapError: inventoryErrorToStatus });
  let tokens: Promise<PageTokens> | undefined;
  // The key is read once; a read that failed (storage down) is tried again on the next ListItems.
  const pageTokensOfStore = () =>
    (tokens ??= store.pageTokenKey().then(
      (key) => pageTokens(PAGE_TOKEN_TAG, { key }),
      (error: unknown) => {
        tokens = undefined;
        throw error;
      },
    ));
  return {
    addItem: handlers.unary(async (request) => {
      const name = requireText(request.name, 'name', { max: NAME_MAX });
      const quantity = parseQuantity(request.quantity, 'quantity');
      const key = requestKey(request.requestId, ['AddItem', name, quantity]);
      return { item: toMessage(await store.add(name, quantity, key, parseFence(request.fence))) };
    }),
    getItem: handlers.unary(async (request) => ({ item: toMessage(await store.get(parseId(request.id))) })),
    updateItem: handlers.unary(async (request) => {
      const item = await store.update(
        parseId(request.id),
        {
          quantity: parseQuantity(request.quantity, 'quantity'),
          name: request.name === undefined ? undefined : requireText(request.name, 'name', { max: NAME_MAX }),
          expectedVersion: parseVersion(request.expectedVersion),
        },
        parseFence(request.fence),
      );
      return { item: toMessage(item) };
    }),
    adjustQuantity: handlers.unary(async (request) => {
      const id = parseId(request.id);
      const delta = parseInteger(request.delta, 'delta');
      if (Math.abs(delta) > QUANTITY_MAX) {
        throw new StatusError(Code.OUT_OF_RANGE, `delta must be between -${QUANTITY_MAX} and ${QUANTITY_MAX}`);
      }
      const key = requestKey(request.requestId, ['AdjustQuantity', id, delta]);
      return { item: toMessage(await store.adjust(id, delta, key, parseFence(request.fence))) };
    }),
    deleteItem: handlers.unary(async (request) => ({
      item: toMessage(
        await store.delete(parseId(request.id), parseVersion(request.expectedVersion), parseFence(request.fence)),
      ),
    })),
    listItems: handlers.unary(async (request) => {
      if (request.pageSize < 0) throw new StatusError(Code.INVALID_ARGUMENT, 'page_size must not be negative');
      const limit = request.pageSize === 0 ? PAGE_SIZE_DEFAULT : Math.min(request.pageSize, PAGE_SIZE_MAX);
      const tokensOfStore = await pageTokensOfStore();
      const page = await store.list(tokensOfStore.decode(request.pageToken), limit);
      const last = page.items.at(-1);
      return {
        items: page.items.map(toMessage),
        nextPageToken: page.more && last !== undefined ? tokensOfStore.encode(last.id) : '',
      };
    }),
  };
}

function toMessage(item: Item): ItemMessage {
  return {
    id: String(item.id),
    name: item.name,
    quantity: String(item.quantity),
    version: String(item.version),
    createTime: item.createTime,
    updateTime: item.updateTime,
  };
}

/*
 * The rule for 64-bit integers from the wire (ts-proto gives them as decimal strings), one for every field:
 * - a value no request may carry whatever its size (a negative quantity, id 0) is INVALID_ARGUMENT, so a quantity of
 *   -1 and one of -2^63 get the same answer;
 * - a value of the right sign beyond 2^53-1, the largest integer the inventory keeps exactly, is OUT_OF_RANGE (as the
 *   contract says for quantities); ids follow it too, since the store never assigns one beyond it.
 * Each message names the field, the accepted range and, capped, the value sent.
 */

/** A decimal int64 as an exact JavaScript integer, for fields that may be negative (delta). */
function parseInteger(value: string, field: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new StatusError(Code.OUT_OF_RANGE, `${field} must be between -${QUANTITY_MAX} and ${QUANTITY_MAX}`);
  }
  return number;
}

function parseQuantity(value: string, field: string): number {
  if (value.startsWith('-')) {
    throw new StatusError(Code.INVALID_ARGUMENT, `${field} must not be negative (got ${shortNumber(value)})`);
  }
  const quantity = Number(value);
  if (!Number.isSafeInteger(quantity)) {
    throw new StatusError(
      Code.OUT_OF_RANGE,
      `${field} must be between 0 and ${QUANTITY_MAX} (got ${shortNumber(value)})`,
    );
  }
  return quantity;
}

function parseId(value: string): number {
  if (value === '0') throw new StatusError(Code.INVALID_ARGUMENT, 'id is required (ids start at 1)');
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new StatusError(Code.OUT_OF_RANGE, `id must be between 1 and ${QUANTITY_MAX} (got ${shortNumber(value)})`);
  }
  return id;
}

/** A number as sent, cut to 30 characters: the wire gives 64-bit integers, but a message never grows with input. */
function shortNumber(value: string): string {
  return value.length > 30 ? `${value.slice(0, 30)}...` : value;
}

function parseVersion(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const version = Number(value);
  return Number.isSafeInteger(version) ? version : Number.MAX_SAFE_INTEGER;
}

function requestKey(requestId: string, request: unknown[]): RequestKey | undefined {
  const id = limitText(requestId, 'request_id', REQUEST_ID_MAX);
  return id === '' ? undefined : { requestId: id, fingerprint: JSON.stringify(request) };
}

const RESOURCE_MAX = 200;

function parseFence(fence: { resource: string; token: string } | undefined): Fence | undefined {
  if (fence === undefined) return undefined;
  const resource = requireText(fence.resource, 'fence.resource', { max: RESOURCE_MAX });
  const token = Number(fence.token);
  if (!Number.isSafeInteger(token) || token < 1)
    throw new StatusError(
      Code.INVALID_ARGUMENT,
      `fence.token must be a token from a lock (1 to 2^53-1), not ${fence.token}`,
    );
  return { resource, token };
}
