import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@distlab/testing';

// Proves that the contract gate CI runs (`node tools/proto.mjs check`) can fail: on a copy of this checkout, a .proto
// changed without regenerating fails it, and so does a breaking change to a field, whether the field is in the
// released baseline or only in the previous commit; deleting a field passes only with its number and name reserved.

const GREETER = 'proto/distlab/greeter/v1/greeter.proto';
let copy: string;

beforeEach(() => {
  copy = mkdtempSync(join(tmpdir(), 'distlab-proto-check-'));
  for (const path of [
    'proto',
    'third_party',
    'tools',
    'buf.yaml',
    'buf.gen.yaml',
    'distlab.binpb',
    'libs/contracts/src/gen',
  ]) {
    cpSync(join(WORKSPACE_ROOT, path), join(copy, path), { recursive: true });
  }
  symlinkSync(join(WORKSPACE_ROOT, 'node_modules'), join(copy, 'node_modules'));
});

afterEach(() => rmSync(copy, { recursive: true, force: true }));

function check(): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, ['tools/proto.mjs', 'check', '--root', copy], {
    cwd: copy,
    encoding: 'utf8',
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

function generate(): void {
  execFileSync(process.execPath, ['tools/proto.mjs', 'generate', '--root', copy], { cwd: copy, stdio: 'pipe' });
}

function edit(path: string, from: string, to: string): void {
  const text = readFileSync(join(copy, path), 'utf8');
  if (!text.includes(from)) throw new Error(`"${from}" not found in ${path}`);
  writeFileSync(join(copy, path), text.replace(from, to));
}

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], {
    cwd: copy,
    stdio: 'pipe',
  });
}

const ADDED_FIELD = '  string name = 1;\n  // A new field.\n  string nickname = 2;\n}';

describe('the contract gate (tools/proto.mjs check)', () => {
  it('passes on the checkout as committed', () => {
    const result = check();
    expect(result.output).toContain('proto check: all passed');
    expect(result.status).toBe(0);
  });

  it('fails when a .proto changed and the generated code was not regenerated', () => {
    edit(GREETER, '  string name = 1;\n}', ADDED_FIELD);
    const result = check();
    expect(result.status).toBe(1);
    expect(result.output).toContain('stale generated files (run `npm run proto:generate`)');
    expect(result.output).toContain('distlab/greeter/v1/greeter.ts');
    generate();
    expect(check().status).toBe(0);
  });

  it('fails on a breaking change to a released field, even when regenerated', () => {
    edit(GREETER, '  string name = 1;\n}', '  int32 name = 1;\n}');
    generate();
    const result = check();
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/buf breaking against the released baseline/);
    expect(result.output).toMatch(/changed type from "string" to "int32"/);
  });

  it('fails on a breaking change to a field that only the previous commit had', () => {
    edit(GREETER, '  string name = 1;\n}', ADDED_FIELD);
    generate();
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'add a field');
    edit(GREETER, '  string nickname = 2;', '  int64 nickname = 2;');
    generate();
    git('commit', '-qam', 'change its type');
    const result = check();
    expect(result.status).toBe(1);
    expect(result.output).toContain('buf breaking against the previous commit');
    expect(result.output).toMatch(/nickname.*changed type from "string" to "int64"/s);
  });

  it('fails when a released field is deleted, unless both its number and its name are reserved', () => {
    const GREETER_HELLO = 'message SayHelloRequest {';
    const without = (reserved: string) => {
      const text = readFileSync(join(WORKSPACE_ROOT, GREETER), 'utf8');
      const start = text.indexOf(GREETER_HELLO);
      const end = text.indexOf('}', start);
      writeFileSync(join(copy, GREETER), `${text.slice(0, start)}${GREETER_HELLO}\n${reserved}${text.slice(end)}`);
      generate();
      return check();
    };
    const deleted = without('');
    expect(deleted.status).toBe(1);
    expect(deleted.output).toMatch(/Previously present field "1" with name "name" on message "SayHelloRequest"/);
    expect(without('  reserved 1;\n').status).toBe(1); // The name could still be reused.
    const reserved = without('  reserved 1;\n  reserved "name";\n');
    expect(reserved.output).toContain('proto check: all passed');
  });
});
