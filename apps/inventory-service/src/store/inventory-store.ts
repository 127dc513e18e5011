/**
 * The inventory's storage contract, shared by the SQLite and PostgreSQL engines so that both behave identically (the
 * same test suite runs against each). Every method is one transaction: it commits before it resolves, so a result the
 * caller sees is durable, and a failure leaves nothing half-applied.
 */

/** One inventory item as stored. */
export interface Item {
  id: number;
  name: string;
  quantity: number;
  version: number;
  createTime: Date;
  updateTime: Date;
}

/** The largest quantity (and id) the inventory keeps: integers stay exact in JavaScript and in both engines. */
export const QUANTITY_MAX = Number.MAX_SAFE_INTEGER;

export interface UpdateInput {
  quantity: number;
  name?: string;
  expectedVersion?: number;
}

/**
 * A fencing token for a named resource (from a lock). A fenced write commits only if the token is not older than the
 * newest seen for the resource, and then records it as the newest, in the write's own transaction.
 */
export interface Fence {
  resource: string;
  token: number;
}

/** An idempotency key and a fingerprint of the request it belongs to (a reused key must carry the same request). */
export interface RequestKey {
  requestId: string;
  fingerprint: string;
}

export interface InventoryStore {
  /** Which engine, for logs: "sqlite" or "postgres". */
  readonly engine: string;
  add(name: string, quantity: number, key?: RequestKey, fence?: Fence): Promise<Item>;
  get(id: number): Promise<Item>;
  update(id: number, input: UpdateInput, fence?: Fence): Promise<Item>;
  adjust(id: number, delta: number, key?: RequestKey, fence?: Fence): Promise<Item>;
  delete(id: number, expectedVersion?: number, fence?: Fence): Promise<Item>;
  /** Up to `limit` items with an id above `afterId`, ascending, plus whether more follow. */
  list(afterId: number, limit: number): Promise<{ items: Item[]; more: boolean }>;
  /**
   * The key that signs ListItems page tokens: random, made once per database, so that every replica over the same
   * database accepts the others' tokens and nothing else can make one.
   */
  pageTokenKey(): Promise<Buffer>;
  /** Forgets idempotency keys older than `olderThanMs`; returns how many. */
  purgeRequestKeys(olderThanMs: number): Promise<number>;
  close(): Promise<void>;
}

/** An item as saved with its idempotency key (JSON, dates as ISO strings): both engines store the first result so. */
export function itemFromJson(json: string): Item {
  const item = JSON.parse(json) as Item & { createTime: string; updateTime: string };
  return { ...item, createTime: new Date(item.createTime), updateTime: new Date(item.updateTime) };
}

/** No item has this id (never had, or it was deleted). */
export class ItemNotFoundError extends Error {
  constructor(readonly id: number) {
    super(`no item with id ${id}`);
  }
}

/** The caller's expected version is not the item's current one: someone else wrote it since the caller read it. */
export class VersionMismatchError extends Error {
  constructor(
    readonly id: number,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`item ${id} is at version ${currentVersion}, not the expected ${expectedVersion}`);
  }
}

/** An adjustment would take the quantity below zero; nothing was changed. */
export class InsufficientQuantityError extends Error {
  constructor(
    readonly id: number,
    readonly quantity: number,
    readonly delta: number,
  ) {
    super(`item ${id} has quantity ${quantity}: adjusting by ${delta} would go below zero`);
  }
}

/** An adjustment would take the quantity above QUANTITY_MAX; nothing was changed. */
export class QuantityOverflowError extends Error {
  constructor(
    readonly id: number,
    readonly quantity: number,
    readonly delta: number,
  ) {
    super(`item ${id} has quantity ${quantity}: adjusting by ${delta} would exceed ${QUANTITY_MAX}`);
  }
}

/** An idempotency key was used before for a different request. */
export class RequestKeyReusedError extends Error {
  constructor(readonly requestId: string) {
    super(`request_id "${requestId}" was already used for a different request`);
  }
}

/** A fenced write whose token is older than the newest seen for its resource: a newer lock holder has written. */
export class StaleFenceError extends Error {
  constructor(
    readonly fence: Fence,
    readonly newestToken: number,
  ) {
    super(
      `fencing token ${fence.token} for "${fence.resource}" is older than ${newestToken}, the newest seen: ` +
        'a newer lock holder has written since (nothing was changed)',
    );
  }
}

/** The storage engine could not be reached or failed; a write may or may not have been committed. */
export class StorageUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super(`storage unavailable: ${(cause as Error)?.message ?? String(cause)}`);
  }
}
