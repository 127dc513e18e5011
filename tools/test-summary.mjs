#!/usr/bin/env node
// Prints one closing line for the workspace's Jest runs, from what tools/jest-count-reporter.cjs recorded, and fails
// when any test failed or when no test ran at all.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const directory = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'test-results');
if (process.argv[2] === '--reset') {
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
}
const files = existsSync(directory) ? readdirSync(directory).filter((name) => name.endsWith('.json')) : [];
const total = { passed: 0, failed: 0, skipped: 0 };
for (const file of files) {
  const counts = JSON.parse(readFileSync(join(directory, file), 'utf8'));
  for (const key of Object.keys(total)) total[key] += counts[key];
  process.stdout.write(
    `  ${file.replace(/\.json$/, '').padEnd(20)} ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
  );
}
process.stdout.write(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
