import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  InsufficientQuantityError,
  ItemNotFoundError,
  QUANTITY_MAX,
  QuantityOverflowError,
  RequestKeyReusedError,
  StaleFenceError,
  VersionMismatchError,
  itemFromJson,
  type Fence,
  type InventoryStore,
  type Item,
  type RequestKey,
  type UpdateInput,
} from './inventory-store';
import { GroupCommit } from './group-commit';

/**
 * The embedded engine: one SQLite file under the data directory, in WAL mode.
 *
 * Durability: each write is atomic and committed before its call returns. Writes are group-committed (see
 * GroupCommit): the writes that arrive together share one transaction, each in a savepoint of its own, and are
 * acknowledged once it has committed. With `synchronous=NORMAL` (the default here) a committed transaction survives
 * the process being killed at any moment, since it is in the WAL and the OS has it; only an OS crash or power loss
 * may lose the last commits. `synchronous=FULL` (`--sqlite-sync full`) also survives those: the WAL is fsynced at
 * every commit, which group commit makes one fsync per batch rather than per write.
 *
 * Concurrency: better-sqlite3 is synchronous, so a batch runs start to end without yielding to another call of this
 * process, and reads (outside any transaction) see only committed writes; other processes on the same file are
 * serialized by SQLite's write lock (busy_timeout waits for it).
 */
export class SqliteStore implements InventoryStore {
  readonly engine = 'sqlite';
  private readonly db: Database.Database;
  private readonly statements;
  private readonly commits: GroupCommit;

  constructor(dataDir: string, options: { synchronous?: 'normal' | 'full' } = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'inventory.sqlite3'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.commits = new GroupCommit(this.db);
    this.statements = {
      insert: this.db.prepare(
        'INSERT INTO items (name, quantity, version, create_time, update_time) VALUES (?, ?, 1, ?, ?) RETURNING *',
      ),
      get: this.db.prepare('SELECT * FROM items WHERE id = ?'),
      update: this.db.prepare(
        'UPDATE items SET quantity = ?, name = ?, version = version + 1, update_time = ? WHERE id = ? RETURNING *',
      ),
      adjust: this.db.prepare(
        'UPDATE items SET quantity = quantity + ?, version = version + 1, update_time = ? WHERE id = ? RETURNING *',
      ),
      delete: this.db.prepare('DELETE FROM items WHERE id = ? RETURNING *'),
      list: this.db.prepare('SELECT * FROM items WHERE id > ? ORDER BY id LIMIT ?'),
      findKey: this.db.prepare('SELECT fingerprint, response FROM request_keys WHERE request_id = ?'),
      saveKey: this.db.prepare(
        'INSERT INTO request_keys (request_id, fingerprint, response, create_time) VALUES (?, ?, ?, ?)',
      ),
      purgeKeys: this.db.prepare('DELETE FROM request_keys WHERE create_time < ?'),
      // Records the token as the newest unless a newer one was seen: no row comes back when the token is stale.
      fence: this.db.prepare(
        `INSERT INTO fences (resource, token) VALUES (?, ?)
           ON CONFLICT (resource) DO UPDATE SET token = excluded.token WHERE excluded.token >= fences.token
         RETURNING token`,
      ),
      newestFence: this.db.prepare('SELECT token FROM fences WHERE resource = ?'),
    };
  }

  async add(name: string, quantity: number, key?: RequestKey, fence?: Fence): Promise<Item> {
    const insert = () => {
      const now = Date.now();
      return toItem(this.statements.insert.get(name, quantity, now, now) as Row);
    };
    // A plain add is one statement, atomic by itself: it needs no savepoint of its own inside the batch.
    if (key === undefined && fence === undefined) return this.commits.run(insert);
    return this.commits.run(() =>
      this.once(key, () => {
        this.checkFence(fence);
        return insert();
      }),
    );
  }

  async get(id: number): Promise<Item> {
    return toItem(this.existing(id));
  }

  async update(id: number, input: UpdateInput, fence?: Fence): Promise<Item> {
    return this.commits.run(() =>
      this.atomically(() => {
        const current = this.existing(id);
        this.checkFence(fence);
        if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
          throw new VersionMismatchError(id, input.expectedVersion, current.version);
        }
        return toItem(this.statements.update.get(input.quantity, input.name ?? current.name, Date.now(), id) as Row);
      }),
    );
  }

  async adjust(id: number, delta: number, key?: RequestKey, fence?: Fence): Promise<Item> {
    return this.commits.run(() =>
      this.once(key, () => {
        const current = this.existing(id);
        this.checkFence(fence);
        if (current.quantity + delta < 0) throw new InsufficientQuantityError(id, current.quantity, delta);
        if (current.quantity + delta > QUANTITY_MAX) throw new QuantityOverflowError(id, current.quantity, delta);
        return toItem(this.statements.adjust.get(delta, Date.now(), id) as Row);
      }),
    );
  }

  async delete(id: number, expectedVersion?: number, fence?: Fence): Promise<Item> {
    return this.commits.run(() =>
      this.atomically(() => {
        const current = this.existing(id);
        this.checkFence(fence);
        if (expectedVersion !== undefined && expectedVersion !== current.version) {
          throw new VersionMismatchError(id, expectedVersion, current.version);
        }
        return toItem(this.statements.delete.get(id) as Row);
      }),
    );
  }

  async list(afterId: number, limit: number): Promise<{ items: Item[]; more: boolean }> {
    const rows = this.statements.list.all(afterId, limit + 1) as Row[];
    return { items: rows.slice(0, limit).map(toItem), more: rows.length > limit };
  }

  async pageTokenKey(): Promise<Buffer> {
    const row = this.db.prepare("SELECT value FROM secrets WHERE name = 'page_token_key'").get() as { value: string };
    return Buffer.from(row.value, 'hex');
  }

  async purgeRequestKeys(olderThanMs: number): Promise<number> {
    return this.statements.purgeKeys.run(Date.now() - olderThanMs).changes;
  }

  async close(): Promise<void> {
    this.commits.flushNow();
    this.db.close();
  }

  private existing(id: number): Row {
    const row = this.statements.get.get(id) as Row | undefined;
    if (row === undefined) throw new ItemNotFoundError(id);
    return row;
  }

  /** Inside a write's transaction: refuses a stale token, or records it as the resource's newest. */
  private checkFence(fence: Fence | undefined): void {
    if (fence === undefined) return;
    if (this.statements.fence.get(fence.resource, fence.token) !== undefined) return;
    const newest = this.statements.newestFence.get(fence.resource) as { token: number };
    throw new StaleFenceError(fence, newest.token);
  }

  /**
   * Runs a write once per idempotency key: the key and the result commit in the same transaction as the write, so a
   * retry either finds both or neither.
   */
  private once(key: RequestKey | undefined, write: () => Item): Item {
    return this.atomically(() => {
      if (key !== undefined) {
        const seen = this.statements.findKey.get(key.requestId) as
          { fingerprint: string; response: string } | undefined;
        if (seen !== undefined) {
          if (seen.fingerprint !== key.fingerprint) throw new RequestKeyReusedError(key.requestId);
          return itemFromJson(seen.response);
        }
      }
      const item = write();
      if (key !== undefined)
        this.statements.saveKey.run(key.requestId, key.fingerprint, JSON.stringify(item), Date.now());
      return item;
    });
  }

  /**
   * Runs `body` all or nothing: inside a group-commit batch this is a savepoint, so a write that fails halfway (say,
   * after reading, on a stale fence) leaves nothing behind and the batch's other writes still commit.
   */
  private atomically<T>(body: () => T): T {
    return this.db.transaction(body).immediate();
  }
}

interface Row {
  id: number;
  name: string;
  quantity: number;
  version: number;
  create_time: number;
  update_time: number;
}

function toItem(row: Row): Item {
  return {
    id: row.id,
    name: row.name,
    quantity: row.quantity,
    version: row.version,
    createTime: new Date(row.create_time),
    updateTime: new Date(row.update_time),
  };
}

/** Each migration runs once, in order, inside a transaction; `user_version` records how far the file is. */
const MIGRATIONS = [
  `CREATE TABLE items (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     quantity INTEGER NOT NULL CHECK (quantity >= 0),
     version INTEGER NOT NULL,
     create_time INTEGER NOT NULL,
     update_time INTEGER NOT NULL
   );
   CREATE TABLE request_keys (
     request_id TEXT PRIMARY KEY,
     fingerprint TEXT NOT NULL,
     response TEXT NOT NULL,
     create_time INTEGER NOT NULL
   );
   CREATE INDEX request_keys_by_time ON request_keys (create_time);`,
  `CREATE TABLE fences (
     resource TEXT PRIMARY KEY,
     token INTEGER NOT NULL
   );`,
  // Made once per database: randomblob is SQLite's cryptographically strong random source.
  `CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
   INSERT INTO secrets (name, value) VALUES ('page_token_key', lower(hex(randomblob(32))));`,
];

function migrate(db: Database.Database): void {
  db.transaction(() => {
    const applied = db.pragma('user_version', { simple: true }) as number;
    for (let version = applied; version < MIGRATIONS.length; version += 1) {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    }
  }).immediate();
}
