import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BUILT_PAGE, bundlePage } from './page-assets';

// Bundles the live view's page into dist-page/ (the root `prepare` script runs this on `npm ci`), so that a running
// view serves a file rather than bundling at start.
void bundlePage().then((script) => {
  mkdirSync(dirname(BUILT_PAGE), { recursive: true });
  writeFileSync(BUILT_PAGE, script);
  process.stdout.write(`live view page: ${BUILT_PAGE} (${(script.length / 1024).toFixed(0)} KiB)\n`);
});
