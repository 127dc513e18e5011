import { Pool, type PoolClient } from 'pg';
import {
  InsufficientQuantityError,
  ItemNotFoundError,
  QUANTITY_MAX,
  QuantityOverflowError,
  RequestKeyReusedError,
  StaleFenceError,
  StorageUnavailableError,
  VersionMismatchError,
  itemFromJson,
  type Fence,
  type InventoryStore,
  type Item,
  type RequestKey,
  type UpdateInput,
} from './inventory-store';

/**
 * The scale-out engine: PostgreSQL, shared by any number of inventory-service replicas.
 *
 * Every write is a single conditional statement (or one transaction), so correctness comes from the database, not
 * from this process: `UPDATE … SET quantity = quantity + $delta WHERE … AND quantity + $delta >= 0` takes the row
 * lock and re-checks its condition on the committed row under READ COMMITTED, so concurrent adjustments from any
 * number of replicas never lose an update. An idempotency key is inserted in the same transaction as its write; a
 * concurrent retry with the same key waits on the key's unique index until the first commits, then returns its result.
 */
export class PostgresStore implements InventoryStore {
  readonly engine = 'postgres';

  private constructor(private readonly pool: Pool) {}

  /** Connects, creates or migrates the schema (one replica at a time), and returns the store. */
  static async open(databaseUrl: string, options: { maxConnections?: number } = {}): Promise<PostgresStore> {
    const pool = new Pool({ connectionString: databaseUrl, max: options.maxConnections ?? 10 });
    pool.on('error', () => undefined); // An idle client's lost connection is reported on its next use instead.
    const store = new PostgresStore(pool);
    await store.transaction((client) => migrate(client));
    return store;
  }

  async add(name: string, quantity: number, key?: RequestKey, fence?: Fence): Promise<Item> {
    return this.once(key, async (client) => {
      await checkFence(client, fence);
      const { rows } = await client.query<Row>(
        'INSERT INTO items (name, quantity, version) VALUES ($1, $2, 1) RETURNING *',
        [name, quantity],
      );
      return toItem(rows[0]);
    });
  }

  async get(id: number): Promise<Item> {
    const { rows } = await this.query<Row>('SELECT * FROM items WHERE id = $1', [id]);
    if (rows.length === 0) throw new ItemNotFoundError(id);
    return toItem(rows[0]);
  }

  async update(id: number, input: UpdateInput, fence?: Fence): Promise<Item> {
    return this.maybeFenced(fence, async (run) => {
      const { rows } = await run<Row>(
        `UPDATE items SET quantity = $2, name = COALESCE($3, name), version = version + 1, update_time = now()
          WHERE id = $1 AND ($4::bigint IS NULL OR version = $4) RETURNING *`,
        [id, input.quantity, input.name ?? null, input.expectedVersion ?? null],
      );
      if (rows.length > 0) return toItem(rows[0]);
      throw await this.explainMiss(id, input.expectedVersion, run);
    });
  }

  async adjust(id: number, delta: number, key?: RequestKey, fence?: Fence): Promise<Item> {
    return this.once(key, async (client) => {
      await checkFence(client, fence);
      const { rows } = await client.query<Row>(
        `UPDATE items SET quantity = quantity + $2, version = version + 1, update_time = now()
          WHERE id = $1 AND quantity + $2 >= 0 AND quantity + $2 <= $3 RETURNING *`,
        [id, delta, QUANTITY_MAX],
      );
      if (rows.length > 0) return toItem(rows[0]);
      const current = await client.query<Row>('SELECT * FROM items WHERE id = $1', [id]);
      if (current.rows.length === 0) throw new ItemNotFoundError(id);
      const quantity = Number(current.rows[0].quantity);
      throw quantity + delta < 0
        ? new InsufficientQuantityError(id, quantity, delta)
        : new QuantityOverflowError(id, quantity, delta);
    });
  }

  async delete(id: number, expectedVersion?: number, fence?: Fence): Promise<Item> {
    return this.maybeFenced(fence, async (run) => {
      const { rows } = await run<Row>(
        'DELETE FROM items WHERE id = $1 AND ($2::bigint IS NULL OR version = $2) RETURNING *',
        [id, expectedVersion ?? null],
      );
      if (rows.length > 0) return toItem(rows[0]);
      throw await this.explainMiss(id, expectedVersion, run);
    });
  }

  async list(afterId: number, limit: number): Promise<{ items: Item[]; more: boolean }> {
    const { rows } = await this.query<Row>('SELECT * FROM items WHERE id > $1 ORDER BY id LIMIT $2', [
      afterId,
      limit + 1,
    ]);
    return { items: rows.slice(0, limit).map(toItem), more: rows.length > limit };
  }

  async pageTokenKey(): Promise<Buffer> {
    const { rows } = await this.query<{ value: string }>("SELECT value FROM secrets WHERE name = 'page_token_key'", []);
    return Buffer.from(rows[0].value, 'hex');
  }

  async purgeRequestKeys(olderThanMs: number): Promise<number> {
    const result = await this.query(
      `DELETE FROM request_keys WHERE create_time < now() - $1 * interval '1 millisecond'`,
      [olderThanMs],
    );
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Runs a single-statement write on the pool, or, when fenced, in a transaction that first checks and records the
   * fencing token: the check and the write commit together or not at all.
   */
  private maybeFenced<T>(fence: Fence | undefined, work: (run: Runner) => Promise<T>): Promise<T> {
    if (fence === undefined) return work((text, values) => this.query(text, values));
    return this.transaction(async (client) => {
      await checkFence(client, fence);
      return work((text, values) => client.query(text, values));
    });
  }

  /** Why a conditional write matched no row: the item is gone, or its version moved on. */
  private async explainMiss(id: number, expectedVersion: number | undefined, run: Runner): Promise<Error> {
    const { rows } = await run<Row>('SELECT version FROM items WHERE id = $1', [id]);
    if (rows.length === 0 || expectedVersion === undefined) return new ItemNotFoundError(id);
    return new VersionMismatchError(id, expectedVersion, Number(rows[0].version));
  }

  private async once(key: RequestKey | undefined, write: (client: PoolClient) => Promise<Item>): Promise<Item> {
    if (key === undefined) return this.transaction(write);
    return this.transaction(async (client) => {
      const claimed = await client.query(
        'INSERT INTO request_keys (request_id, fingerprint) VALUES ($1, $2) ON CONFLICT (request_id) DO NOTHING',
        [key.requestId, key.fingerprint],
      );
      if (claimed.rowCount === 0) {
        const { rows } = await client.query<{ fingerprint: string; response: string }>(
          'SELECT fingerprint, response FROM request_keys WHERE request_id = $1',
          [key.requestId],
        );
        if (rows[0].fingerprint !== key.fingerprint) throw new RequestKeyReusedError(key.requestId);
        return itemFromJson(rows[0].response);
      }
      const item = await write(client);
      await client.query('UPDATE request_keys SET response = $2 WHERE request_id = $1', [
        key.requestId,
        JSON.stringify(item),
      ]);
      return item;
    });
  }

  private async query<R extends object = object>(text: string, values: unknown[]) {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw asStorageError(error);
    }
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asStorageError(error);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw asStorageError(error);
    } finally {
      client.release();
    }
  }
}

/** A query on the pool or on a transaction's client. */
type Runner = <R extends object>(text: string, values: unknown[]) => Promise<{ rows: R[] }>;

/**
 * Inside a write's transaction: records the token as the resource's newest, or refuses it as stale. The upsert takes
 * the resource's row lock, so concurrent fenced writes on one resource are serialized and compare committed tokens.
 */
async function checkFence(client: PoolClient, fence: Fence | undefined): Promise<void> {
  if (fence === undefined) return;
  const recorded = await client.query(
    `INSERT INTO fences (resource, token) VALUES ($1, $2)
       ON CONFLICT (resource) DO UPDATE SET token = excluded.token WHERE excluded.token >= fences.token
     RETURNING token`,
    [fence.resource, fence.token],
  );
  if (recorded.rowCount !== 0) return;
  const { rows } = await client.query<{ token: string }>('SELECT token FROM fences WHERE resource = $1', [
    fence.resource,
  ]);
  throw new StaleFenceError(fence, Number(rows[0].token));
}

/** Connection-level failures become StorageUnavailableError; domain errors and bugs pass through unchanged. */
function asStorageError(error: unknown): unknown {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? '';
  const connectionLost =
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code) ||
    code.startsWith('08') || // connection exception
    code.startsWith('57P') || // operator intervention: shutdown, crash
    /Connection terminated|Client has encountered a connection error/.test(message);
  return connectionLost ? new StorageUnavailableError(error) : error;
}

interface Row {
  id: string;
  name: string;
  quantity: string;
  version: string;
  create_time: Date;
  update_time: Date;
}

function toItem(row: Row): Item {
  return {
    id: Number(row.id),
    name: row.name,
    quantity: Number(row.quantity),
    version: Number(row.version),
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

const MIGRATIONS = [
  `CREATE TABLE items (
     id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     name TEXT NOT NULL,
     quantity BIGINT NOT NULL CHECK (quantity >= 0 AND quantity <= ${QUANTITY_MAX}),
     version BIGINT NOT NULL,
     create_time TIMESTAMPTZ NOT NULL DEFAULT now(),
     update_time TIMESTAMPTZ NOT NULL DEFAULT now()
   );
   CREATE TABLE request_keys (
     request_id TEXT PRIMARY KEY,
     fingerprint TEXT NOT NULL,
     response TEXT,
     create_time TIMESTAMPTZ NOT NULL DEFAULT now()
   );
   CREATE INDEX request_keys_by_time ON request_keys (create_time);`,
  `CREATE TABLE fences (
     resource TEXT PRIMARY KEY,
     token BIGINT NOT NULL
   );`,
  // Made once per database, so that replicas share it: gen_random_uuid draws from a cryptographically strong source
  // (two UUIDs carry 244 random bits).
  `CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
   INSERT INTO secrets (name, value)
     VALUES ('page_token_key', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));`,
];

/** Applies pending migrations; an advisory lock makes replicas that start together take turns. */
async function migrate(client: PoolClient): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('distlab-inventory-migrations'))`);
  await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)');
  const { rows } = await client.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM schema_migrations',
  );
  for (let version = rows[0].version ?? 0; version < MIGRATIONS.length; version += 1) {
    await client.query(MIGRATIONS[version]);
    await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version + 1]);
  }
}
