// Records each Jest run's counts in dist/test-results/<project>.json, so that tools/test-summary.mjs can print one
// closing line for the whole workspace (Nx runs one Jest per project).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class CountReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const project = require(join(this.rootDir, 'package.json')).nx?.name ?? 'unknown';
    const directory = join(__dirname, '..', 'dist', 'test-results');
    mkdirSync(directory, { recursive: true });
    const counts = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    writeFileSync(join(directory, `${project}.json`), JSON.stringify(counts));
  }
}

module.exports = CountReporter;
