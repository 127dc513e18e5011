import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpawnedProcess, startPeerProcess, WORKSPACE_ROOT, type ServerProcessHandle } from '@distlab/testing';

// Drives the real `distlab` executable (bin/distlab.js, as `npx distlab` runs it) against a real peer on a free port,
// from a directory outside the workspace, as a linked `distlab` on a user's PATH runs.

const BIN = join(WORKSPACE_ROOT, 'apps', 'cli', 'bin', 'distlab.js');
let peer: ServerProcessHandle;
const running: SpawnedProcess[] = [];

function distlab(...args: string[]): SpawnedProcess {
  const child = spawn(process.execPath, [BIN, '--target', peer.address, ...args], {
    cwd: tmpdir(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const spawned = new SpawnedProcess(child);
  running.push(spawned);
  return spawned;
}

async function run(...args: string[]): Promise<{ exitCode: number | string; stdout: string; stderr: string }> {
  const spawned = distlab(...args);
  spawned.child.stdin!.end();
  const exitCode = await spawned.exited();
  return { exitCode, stdout: spawned.lines.join('\n'), stderr: spawned.stderr };
}

beforeAll(async () => {
  peer = await startPeerProcess(3);
});

afterAll(async () => {
  await Promise.all(running.map((spawned) => spawned.stop()));
  peer.process.child.kill('SIGTERM');
  expect(await peer.process.exited()).toBe(0);
});

describe('distlab hello', () => {
  it('prints the greeting and the peer that answered', async () => {
    expect(await run('hello', '--name', 'Ada')).toMatchObject({ exitCode: 0, stdout: 'Hello, Ada! (from peer-3)' });
  });

  it('prints protobuf JSON with --json', async () => {
    const { stdout } = await run('--json', 'hello', '--name', 'Ada');
    expect(JSON.parse(stdout)).toMatchObject({
      message: 'Hello, Ada!',
      serverId: 'peer-3',
      greetTime: expect.any(String),
    });
  });

  it('reports a refused call with its status and exits 1', async () => {
    expect(await run('hello', '--name', '')).toMatchObject({
      exitCode: 1,
      stderr: 'error: INVALID_ARGUMENT: name must not be empty\n',
    });
  });

  it('exits 2 on a usage error', async () => {
    const { exitCode, stderr } = await run('hello');
    expect(exitCode).toBe(2);
    expect(stderr).toContain("required option '--name <name>' not specified");
  });
});

describe('distlab object', () => {
  it('sends an object and shows the processed one', async () => {
    const { exitCode, stdout } = await run(
      '--json',
      'object',
      '--name',
      'gadget',
      '--value',
      '42',
      '--tag',
      'blue',
      '--attr',
      'size=L',
    );
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      object: { name: 'gadget', value: '84', tags: ['blue', 'processed-by:peer-3'], attributes: { size: 'L' } },
      received: { name: 'gadget', value: '42' },
    });
  });

  it('refuses a value that is not an integer before calling', async () => {
    const { exitCode, stderr } = await run('object', '--name', 'x', '--value', '4.2');
    expect(exitCode).toBe(2);
    expect(stderr).toContain('--value must be an integer');
  });
});

describe('distlab health', () => {
  it('lists the peer’s services as SERVING', async () => {
    const { exitCode, stdout } = await run('health');
    expect(exitCode).toBe(0);
    expect(stdout).toContain('SERVING      distlab.chat.v1.ChatService');
    expect(stdout).toContain('SERVING      (server)');
  });

  it('exits 1 when the server cannot be reached', async () => {
    const { exitCode, stderr } = await run('--deadline', '500', 'health', '127.0.0.1:1');
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(/^error: (UNAVAILABLE|DEADLINE_EXCEEDED)/);
  });
});

describe('distlab chat', () => {
  it('lets two sessions exchange lines, reading stdin and printing events', async () => {
    const ada = distlab('chat', '--room', 'lab', '--user', 'ada');
    await ada.waitForLine((line) => line === 'joined lab as ada; members: ada');
    const bob = distlab('chat', '--room', 'lab', '--user', 'bob');
    await bob.waitForLine((line) => line === 'joined lab as bob; members: ada, bob');
    await ada.waitForLine((line) => line === '* bob joined');

    ada.child.stdin!.write('hello bob\n');
    await bob.waitForLine((line) => line === 'ada: hello bob');
    bob.child.stdin!.write('hello ada\n');
    await ada.waitForLine((line) => line === 'bob: hello ada');

    bob.child.stdin!.end();
    expect(await bob.exited()).toBe(0);
    await ada.waitForLine((line) => line === '* bob left (left)');
    ada.child.stdin!.end();
    expect(await ada.exited()).toBe(0);
  });

  it('reports a refused join and exits 1', async () => {
    const first = distlab('chat', '--room', 'taken', '--user', 'ada');
    await first.waitForLine((line) => line.startsWith('joined taken'));
    const { exitCode, stderr } = await run('chat', '--room', 'taken', '--user', 'ada');
    expect(exitCode).toBe(1);
    expect(stderr).toBe('error: ALREADY_EXISTS: user "ada" is already in room "taken"\n');
    first.child.stdin!.end();
    await first.exited();
  });
});

describe('distlab mutex acquire', () => {
  it('enters, holds and leaves, printing the fencing token and how long it held', async () => {
    const result = await run('mutex', 'acquire', '--peer', '3', '--hold', '50ms', '--name', 'cli-test');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^entered: fencing token \d+ \(request at Lamport time \d+\)$/m);
    expect(result.stdout).toMatch(/^released after \d+\.\d ms$/m);
  });

  it('holds on a lock session: kill -9 of the command releases the lock at once, long before its lease ends', async () => {
    const holder = distlab('mutex', 'acquire', '--peer', '3', '--hold', '60s', '--name', 'doomed');
    holder.child.stdin!.end();
    await holder.waitForLine((line) => line.startsWith('entered: fencing token'));
    holder.child.kill('SIGKILL');
    await holder.exited();
    // The lease is 70 s: only the end of the session can release it within the next seconds.
    let state = '';
    for (let attempt = 0; attempt < 50 && !/peer-3 released/.test(state); attempt += 1) {
      state = (await run('mutex', 'state', '--peer', '3')).stdout;
      if (!/peer-3 released/.test(state)) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(state).toMatch(/peer-3 released/);
  });
});

describe('against a peer started with --token', () => {
  let secured: ServerProcessHandle;

  beforeAll(async () => {
    secured = await startPeerProcess(5, ['--token', 's3cret']);
  });

  afterAll(async () => {
    secured.process.child.kill('SIGTERM');
    expect(await secured.process.exited()).toBe(0);
  });

  const runAgainst = async (...args: string[]) => {
    const child = spawn(process.execPath, [BIN, '--target', secured.address, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const spawned = new SpawnedProcess(child);
    running.push(spawned);
    child.stdin.end();
    const exitCode = await spawned.exited();
    return { exitCode, stdout: spawned.lines.join('\n'), stderr: spawned.stderr };
  };

  it('is refused with UNAUTHENTICATED without the token or with a wrong one', async () => {
    expect(await runAgainst('hello', '--name', 'Ada')).toMatchObject({
      exitCode: 1,
      stderr: expect.stringContaining('error: UNAUTHENTICATED: missing bearer token'),
    });
    expect(await runAgainst('--token', 'guess', 'hello', '--name', 'Ada')).toMatchObject({
      exitCode: 1,
      stderr: expect.stringContaining('error: UNAUTHENTICATED: wrong bearer token'),
    });
  });

  it('answers with the token, and answers health without it', async () => {
    expect(await runAgainst('--token', 's3cret', 'hello', '--name', 'Ada')).toMatchObject({
      exitCode: 0,
      stdout: 'Hello, Ada! (from peer-5)',
    });
    expect(await runAgainst('health')).toMatchObject({ exitCode: 0 });
  });
});
