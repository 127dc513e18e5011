import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GroupCommit } from './group-commit';

// Group commit on a real SQLite file: writes issued together share one commit, a failing write is rolled back alone
// and only its caller hears of it, and a write is acknowledged only after its batch committed.

let dir: string;
let db: Database.Database;
let commits: GroupCommit;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'distlab-group-commit-'));
  db = new Database(join(dir, 'test.sqlite3'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE rows (name TEXT PRIMARY KEY)');
  commits = new GroupCommit(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (name: string) => () => db.prepare('INSERT INTO rows (name) VALUES (?)').run(name).changes;
const names = () =>
  (db.prepare('SELECT name FROM rows ORDER BY name').all() as Array<{ name: string }>).map((row) => row.name);

describe('GroupCommit', () => {
  it('commits writes issued in the same turn in one transaction, in order', async () => {
    const seenInTransaction: boolean[] = [];
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) =>
        commits.run(() => {
          seenInTransaction.push(db.inTransaction);
          return insert(name)();
        }),
      ),
    );
    expect(results).toEqual([1, 1, 1, 1]);
    expect(seenInTransaction).toEqual([true, true, true, true]);
    expect(commits.commits).toBe(1);
    expect(names()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('gives a lone writer a commit of its own', async () => {
    await commits.run(insert('a'));
    await commits.run(insert('b'));
    expect(commits.commits).toBe(2);
  });

  it('rolls back a failing write alone (its savepoint), and the rest of the batch commits', async () => {
    const failing = () =>
      db
        .transaction(() => {
          insert('half-done')();
          insert('a')(); // The primary key is taken: this write fails after a first insert of its own.
        })
        .immediate();
    const outcomes = await Promise.allSettled([
      commits.run(insert('a')),
      commits.run(failing),
      commits.run(insert('b')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(names()).toEqual(['a', 'b']);
    expect(commits.commits).toBe(1);
  });

  it('acknowledges nothing of a batch whose commit fails', async () => {
    // Another connection holds the write lock, so this batch cannot even begin: every write in it is refused.
    const other = new Database(join(dir, 'test.sqlite3'));
    other.pragma('busy_timeout = 0');
    db.pragma('busy_timeout = 0');
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      const outcomes = await Promise.allSettled([commits.run(insert('a')), commits.run(insert('b'))]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect(names()).toEqual([]);
    expect(commits.commits).toBe(0);
  });

  it('takes at most a bounded batch per commit, and commits the rest right after', async () => {
    const results = await Promise.all(Array.from({ length: 600 }, (_, index) => commits.run(insert(`n${index}`))));
    expect(results).toHaveLength(600);
    expect(commits.commits).toBe(3); // 256 + 256 + 88
    expect(names()).toHaveLength(600);
  });

  it('commits what is pending when flushed before the database closes', async () => {
    const written = [commits.run(insert('a')), commits.run(insert('b'))];
    commits.flushNow();
    expect(names()).toEqual(['a', 'b']);
    await expect(Promise.all(written)).resolves.toEqual([1, 1]);
    expect(commits.commits).toBe(1);
  });
});
