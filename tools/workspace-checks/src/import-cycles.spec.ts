import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeCycle, importCycles, importGraph, sourceFiles } from './import-graph';

// A layer imports only layers beneath it: no file of the workspace reaches, through relative imports, back to itself.
// Every TypeScript file of apps/, libs/ and tools/ is read (generated code aside), type-only imports included.

const WORKSPACE = resolve(__dirname, '../../..');

describe('import cycles', () => {
  it('finds none in the workspace (apps, libs, tools)', () => {
    const graph = importGraph(sourceFiles(WORKSPACE, ['apps', 'libs', 'tools']));
    expect(graph.size).toBeGreaterThan(100); // It read the workspace, not an empty folder.
    expect(importCycles(graph).map((cycle) => describeCycle(WORKSPACE, cycle))).toEqual([]);
  });

  it('reports a planted cycle, type-only imports and folder indexes included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'distlab-cycles-'));
    try {
      mkdirSync(join(dir, 'src', 'links'), { recursive: true });
      writeFileSync(join(dir, 'src', 'a.ts'), "import { b } from './links';\nexport const a = b;\n");
      writeFileSync(join(dir, 'src', 'links', 'index.ts'), "export { b } from './b';\n");
      writeFileSync(join(dir, 'src', 'links', 'b.ts'), "import type { A } from '../c';\nexport const b: A = 1;\n");
      writeFileSync(join(dir, 'src', 'c.ts'), "import { a } from './a';\nexport type A = typeof a;\n");
      writeFileSync(
        join(dir, 'src', 'free.ts'),
        "// import { a } from './a';\nexport const free = 'import \"./a\"';\n",
      );
      const cycles = importCycles(importGraph(sourceFiles(dir, ['src']))).map((cycle) => describeCycle(dir, cycle));
      expect(cycles).toEqual(['src/a.ts <-> src/c.ts <-> src/links/b.ts <-> src/links/index.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
