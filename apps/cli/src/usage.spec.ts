import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePortRange,
  SpawnedProcess,
  startPeerProcess,
  startServerProcess,
  WORKSPACE_ROOT,
  type ServerProcessHandle,
} from '@distlab/testing';
import { EXAMPLES, commandPath, everyCommand } from './help-examples';
import { bashCompletion } from './commands/completion';
import { buildProgram } from './program';

// What a user meets before any server answers: usage errors (exit 2, one line and the command's usage, never a
// stack), nothing listening where the command calls (exit 1, the address and what to do), the inventory menu that
// refuses to open, and the help and completion made from the command tree. The executable runs as a user runs it.

const BIN = join(WORKSPACE_ROOT, 'apps', 'cli', 'bin', 'distlab.js');

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: tmpdir(),
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const spawned = new SpawnedProcess(child);
  child.stdin.end();
  const exitCode = await spawned.exited();
  return { exitCode, stdout: spawned.lines.join('\n'), stderr: spawned.stderr };
}

/** A base port with nothing listening at base+1 … base+20: every default address of that layout is refused. */
let emptyBasePort: number;

beforeAll(async () => {
  emptyBasePort = await freePortRange(20);
});

describe('usage errors', () => {
  it.each([
    [['factorial', 'abc'], /^error: .*n must be a whole number, 0 or more \(got "abc"\)$/, 'distlab factorial'],
    [['factorial'], /^error: missing required argument 'n'$/, 'distlab factorial'],
    [['hello'], /^error: required option '--name <name>' not specified$/, 'distlab hello'],
    [['mutex', 'acquire', '--peer', 'zero'], /^error: .*a peer id is a positive integer/, 'distlab mutex acquire'],
    [['--deadline', 'soon', 'health'], /^error: .*--deadline/, 'distlab'],
    [['frobnicate'], /^error: unknown command 'frobnicate'$/, 'distlab'],
  ])('distlab %j exits 2 with one line and the usage', async (args, firstLine, usageOf) => {
    const { exitCode, stdout, stderr } = await run(args as string[]);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(firstLine);
    expect(lines[1]).toMatch(new RegExp(`^usage: ${usageOf} .*\\(${usageOf} --help for examples\\)$`));
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('prints the version and exits 0', async () => {
    expect(await run(['--version'])).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
  });
});

describe('nothing listening', () => {
  it('names the address and says how to start the system (exit 1)', async () => {
    const { exitCode, stderr } = await run(['--base-port', String(emptyBasePort), 'factorial', '5']);
    expect(exitCode).toBe(1);
    expect(stderr).toBe(
      `error: UNAVAILABLE: nothing answers at 127.0.0.1:${emptyBasePort + 1}. Start the lab with \`npm start\` ` +
        '(or `distlab up`), or point at a running one with --target host:port (or --base-port)\n',
    );
  });

  it('takes the base port from DISTLAB_BASE_PORT too, and --peer falls back to the layout when no registry answers', async () => {
    const { exitCode, stderr } = await run(['mutex', 'state', '--peer', '3'], {
      DISTLAB_BASE_PORT: String(emptyBasePort),
    });
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`^error: UNAVAILABLE: nothing answers at 127\\.0\\.0\\.1:${emptyBasePort + 13}\\. `),
    );
  });

  it('the inventory menu refuses to open: one line, exit 1, no menu', async () => {
    const { exitCode, stdout, stderr } = await run(['--base-port', String(emptyBasePort), 'inventory']);
    expect(exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^error: UNAVAILABLE: nothing answers at 127\\.0\\.0\\.1:${emptyBasePort + 2}\\. `),
      ),
    ]);
  });
});

describe('--peer N with a registry', () => {
  let registry: ServerProcessHandle;
  let peer: ServerProcessHandle;
  let basePort: number;

  beforeAll(async () => {
    basePort = await freePortRange(20);
    // The registry where --base-port puts it (base+1), and peer 3 on a port of its own, not base+13.
    registry = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts'), [
      ...['--port', String(basePort + 1)],
    ]);
    peer = await startPeerProcess(3, ['--registry', registry.address]);
  }, 60_000);

  afterAll(async () => {
    for (const server of [peer, registry]) {
      server.process.child.kill('SIGTERM');
      await server.process.exited();
    }
  });

  it('finds the peer where the registry says peer-N is, outside the port layout', async () => {
    let listed = '';
    for (let attempt = 0; attempt < 100 && !listed.includes(peer.address); attempt += 1) {
      listed = (await run(['--base-port', String(basePort), 'registry', 'lookup', 'peer-3'])).stdout;
      if (!listed.includes(peer.address)) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(listed).toContain(peer.address);
    expect(await run(['--base-port', String(basePort), 'clock', 'show', '--peer', '3'])).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(/^peer-3 L=\d+ V=\[/),
    });
  });

  it('with --registry, finds peers through that registry alone, and names a peer it does not know', async () => {
    // Runs after the lookup above has seen peer 3 registered; no --base-port: nothing is assumed on a layout.
    expect(await run(['--registry', registry.address, 'clock', 'show', '--peer', '3'])).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(/^peer-3 L=\d+ V=\[/),
    });
    const unknown = await run(['--registry', registry.address, 'clock', 'show', '--peer', '4']);
    expect(unknown).toMatchObject({ exitCode: 1 });
    expect(unknown.stderr).toContain(`no live peer-4 in the registry at ${registry.address}`);
    const malformed = await run(['--registry', 'nowhere', 'registry', 'list']);
    expect(malformed.exitCode).toBe(2);
    expect(malformed.stderr).toContain("--registry must be host:port of the cluster's balancer");
    const joinWithout = await run(['join', '--id', '5']);
    expect(joinWithout.exitCode).toBe(2);
    expect(joinWithout.stderr).toContain("required option '--registry <host:port>' not specified");
  });
});

describe('help and completion', () => {
  const program = buildProgram();

  it('gives every command examples', () => {
    const missing = everyCommand(program)
      .map(commandPath)
      .filter((path) => EXAMPLES[path] === undefined);
    expect(missing).toEqual([]);
  });

  it('shows the examples in the help', async () => {
    const { exitCode, stdout } = await run(['chaos', 'partition', '--help']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('Examples:\n  $ distlab chaos partition 1,2 3,4,5');
  });

  it('completes subcommands and options in bash, from the command tree', () => {
    const script = bashCompletion(program);
    expect(script).toContain('complete -o default -F _distlab distlab');
    expect(script).toMatch(/"chaos"\) words="partition delay drop duplicate pause resume heal show .*--help"/);
    expect(script).toMatch(/"inventory add"\) words="--name --quantity --request-id .*--base-port/);
  });
});
