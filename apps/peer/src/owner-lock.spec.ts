import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTypeScript, startServerProcess, WORKSPACE_ROOT, type ServerProcessHandle } from '@distlab/testing';
import { OwnedFileError, OwnerLock } from './owner-lock';

const PEER = join(WORKSPACE_ROOT, 'apps', 'peer', 'src', 'main.ts');

describe('OwnerLock', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'distlab-owner-')), 'nested', 'peer-1.json');

  it('lets one claim at a time, and the file again once released', () => {
    const owned = file();
    const lock = OwnerLock.claim(owned);
    expect(readFileSync(`${owned}.lock`, 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+\n$`));
    expect(() => OwnerLock.claim(owned)).toThrow(OwnedFileError);
    expect(() => OwnerLock.claim(owned)).toThrow(`belongs to process ${process.pid} (this one)`);
    lock.release();
    OwnerLock.claim(owned).release();
  });

  it('takes over a claim whose process is gone (kill -9 leaves its lock behind), and one that names no process', () => {
    const owned = file();
    OwnerLock.claim(owned).release(); // makes the directory
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(`${owned}.lock`, `${gone}\n`);
    const lock = OwnerLock.claim(owned);
    expect(readFileSync(`${owned}.lock`, 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+\n$`));
    lock.release();
    writeFileSync(`${owned}.lock`, 'not a pid');
    OwnerLock.claim(owned).release();
  });

  it('takes over a claim whose pid now belongs to a process that started later (a reused pid)', () => {
    const owned = file();
    OwnerLock.claim(owned).release();
    writeFileSync(`${owned}.lock`, `${process.pid} 1\n`); // this pid, but a process started at tick 1
    OwnerLock.claim(owned).release();
    writeFileSync(`${owned}.lock`, `${process.pid}\n`); // no start time recorded: the pid alone decides
    expect(() => OwnerLock.claim(owned)).toThrow(OwnedFileError);
  });

  it('does not remove a claim that is no longer its own', () => {
    const owned = file();
    const lock = OwnerLock.claim(owned);
    writeFileSync(`${owned}.lock`, '1\n'); // taken over meanwhile (by pid 1, which runs)
    lock.release();
    expect(readFileSync(`${owned}.lock`, 'utf8')).toBe('1\n');
  });
});

describe('a second process of the same peer', () => {
  let first: ServerProcessHandle | undefined;
  afterEach(async () => {
    await first?.process.stop();
  });

  it('refuses to start and leaves the first one and its files alone; after a kill -9 the next one starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'distlab-owner-peer-'));
    const args = ['--id', '7', '--events-dir', join(dir, 'events'), '--state-dir', join(dir, 'state')];
    first = await startServerProcess(PEER, args);
    const incarnation = () =>
      (JSON.parse(readFileSync(join(dir, 'state', 'peer-7.json'), 'utf8')) as { incarnation: number }).incarnation;
    expect(incarnation()).toBe(1);

    const second = spawnTypeScript(PEER, ['--port', '0', ...args]);
    expect(await second.exited()).toBe(1);
    expect(second.lines.join('\n')).toContain(
      `belongs to process ${first.process.child.pid}, another peer with the same id`,
    );
    expect(incarnation()).toBe(1); // not bumped by the refused one

    first.process.child.kill('SIGKILL');
    await first.process.exited();
    first = await startServerProcess(PEER, args);
    expect(incarnation()).toBe(2);
  });
});
