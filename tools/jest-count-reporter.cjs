// Records each Jest run's counts in dist/test-results/<project>.json, so that tools/test-summary.mjs can print one
// closing line for the whole workspace (Nx runs one Jest per project).
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class CountReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    // A project is named in its package.json (the workspaces' projects) or its project.json (tools/ projects).
    const packageJson = join(this.rootDir, 'package.json');
    const project = existsSync(packageJson)
      ? (require(packageJson).nx?.name ?? 'unknown')
      : (require(join(this.rootDir, 'project.json')).name ?? 'unknown');
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
