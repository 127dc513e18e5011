import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpawnedProcess, startServerProcess, WORKSPACE_ROOT, type ServerProcessHandle } from '@distlab/testing';

// `distlab inventory` against a real inventory-service process: every subcommand, and the seed's interactive menu
// driven through stdin, bad input included.

const BIN = join(WORKSPACE_ROOT, 'apps', 'cli', 'bin', 'distlab.js');
let service: ServerProcessHandle;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'distlab-cli-inventory-'));
  service = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'inventory-service', 'src', 'main.ts'), [
    '--data-dir',
    dataDir,
  ]);
});

afterAll(async () => {
  service.process.child.kill('SIGTERM');
  expect(await service.process.exited()).toBe(0);
});

async function distlab(
  args: string[],
  input = '',
): Promise<{ exitCode: number | string; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, '--target', service.address, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const spawned = new SpawnedProcess(child);
  child.stdin.end(input);
  const exitCode = await spawned.exited();
  return { exitCode, stdout: spawned.lines.join('\n'), stderr: spawned.stderr };
}

describe('distlab inventory subcommands', () => {
  it('add, get, update, adjust, list and delete an item', async () => {
    const added = JSON.parse(
      (await distlab(['--json', 'inventory', 'add', '--name', 'widget', '--quantity', '10'])).stdout,
    );
    expect(added).toMatchObject({ name: 'widget', quantity: '10', version: '1' });
    const id = added.id as string;

    const got = await distlab(['inventory', 'get', id]);
    expect(got.stdout).toMatch(new RegExp(`^ID +NAME +QUANTITY +VERSION +UPDATED\\n${id} +widget +10 +1 `));

    expect(
      JSON.parse(
        (await distlab(['--json', 'inventory', 'update', id, '--quantity', '4', '--expected-version', '1'])).stdout,
      ),
    ).toMatchObject({
      quantity: '4',
      version: '2',
    });
    expect(JSON.parse((await distlab(['--json', 'inventory', 'adjust', id, '--delta', '-3'])).stdout)).toMatchObject({
      quantity: '1',
    });
    expect((await distlab(['inventory', 'list'])).stdout).toContain('widget');
    expect(JSON.parse((await distlab(['--json', 'inventory', 'delete', id])).stdout)).toMatchObject({ id });
    expect(await distlab(['inventory', 'get', id])).toMatchObject({
      exitCode: 1,
      stderr: `error: NOT_FOUND: no item with id ${id}\n`,
    });
  });

  it('reports the documented statuses and exits 1', async () => {
    const added = JSON.parse(
      (await distlab(['--json', 'inventory', 'add', '--name', 'bolt', '--quantity', '2'])).stdout,
    );
    expect(await distlab(['inventory', 'adjust', added.id, '--delta', '-5'])).toMatchObject({
      exitCode: 1,
      stderr: expect.stringContaining('error: FAILED_PRECONDITION: item'),
    });
    expect(
      await distlab(['inventory', 'update', added.id, '--quantity', '1', '--expected-version', '9']),
    ).toMatchObject({
      exitCode: 1,
      stderr: expect.stringContaining('is at version 1, not the expected 9'),
    });
  });

  it('refuses malformed arguments before calling, with exit code 2', async () => {
    expect(await distlab(['inventory', 'add', '--name', 'x', '--quantity', '-1'])).toMatchObject({ exitCode: 2 });
    expect(await distlab(['inventory', 'get', 'abc'])).toMatchObject({ exitCode: 2 });
  });

  it('lists every page with --all', async () => {
    for (let index = 0; index < 3; index += 1)
      await distlab(['inventory', 'add', '--name', `paged-${index}`, '--quantity', '1']);
    const all = JSON.parse((await distlab(['--json', 'inventory', 'list', '--page-size', '1', '--all'])).stdout);
    expect(all.items.length).toBeGreaterThanOrEqual(3);
    expect(all.nextPageToken).toBeUndefined(); // proto3 JSON omits an empty next_page_token
  });
});

describe('distlab inventory (the interactive menu)', () => {
  it('adds, lists, gets, updates and deletes, re-prompting on bad input instead of crashing', async () => {
    const script = [
      '1',
      'menu item',
      'lots',
      '-2',
      '7', // add: a bad quantity twice, then 7
      '9', // not a choice
      '5', // list
      '4',
      'x',
      '999999', // get: a bad id, then a missing one
      '2',
      '', // update: an empty id is re-prompted…
    ];
    const { exitCode, stdout } = await distlab(['inventory'], `${script.join('\n')}\n`);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('enter a whole number, 0 or more');
    expect(stdout).toMatch(/added:\nID +NAME +QUANTITY +VERSION +UPDATED\n\d+ +menu item +7 +1 /);
    expect(stdout).toContain('"9" is not a choice: enter 1 to 6');
    expect(stdout).toContain('enter an item id (a whole number)');
    expect(stdout).toContain('error: NOT_FOUND: no item with id 999999');
    expect(stdout.trimEnd().endsWith('bye')).toBe(true); // …and end of input quits cleanly.
  });

  it('updates and deletes through the menu, and quits on 6', async () => {
    const added = JSON.parse(
      (await distlab(['--json', 'inventory', 'add', '--name', 'menu target', '--quantity', '1'])).stdout,
    );
    const { exitCode, stdout } = await distlab(
      ['inventory'],
      `2\n${added.id}\n42\n3\n${added.id}\n4\n${added.id}\n6\n`,
    );
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(new RegExp(`updated:\\n.*\\n${added.id} +menu target +42 +2 `));
    expect(stdout).toMatch(new RegExp(`deleted:\\n.*\\n${added.id} +menu target +42 +2 `));
    expect(stdout).toContain(`error: NOT_FOUND: no item with id ${added.id}`);
    expect(stdout.trimEnd().endsWith('bye')).toBe(true);
  });
});
