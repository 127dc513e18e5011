#!/usr/bin/env node
// The `distlab` command. It runs the compiled CLI (bin/bundle.cjs explains the bundle) in this very process, so a
// command costs one Node start-up and a load of plain JavaScript. The bundle is rebuilt first when a source it was made
// from changed since it was built; if it cannot be built (esbuild missing), the sources run through tsx as before.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');
const { buildBundle, bundleIsFresh, BUNDLE_FILE, CODE_CACHE_FILE, WORKSPACE_ROOT } = require('./bundle.cjs');

// grpc-js names the server it dials by IP when the target is an IP (127.0.0.1 under `distlab up --secure`): the
// certificate's IP entry is what it checks, but Node warns that SNI carries no IP. The warning says nothing to a user.
const emitWarning = process.emitWarning;
process.emitWarning = function emitWarningExceptSniByIp(warning, ...rest) {
  const code = typeof rest[0] === 'object' && rest[0] !== null ? rest[0].code : rest[1];
  if (code === 'DEP0123') return;
  return emitWarning.call(process, warning, ...rest);
};

/**
 * Loads the bundle as Node would load a CommonJS file, but through V8's code cache: the cache holds the bundle already
 * compiled, which spares every later run most of the parsing and compiling of a megabyte of JavaScript. The cache is
 * written once, at the first run's exit (when the functions that run has used are compiled), and again whenever V8
 * rejects it (a new bundle or a new Node).
 */
function runBundle() {
  const source = readFileSync(BUNDLE_FILE, 'utf8');
  let cachedData;
  try {
    cachedData = readFileSync(CODE_CACHE_FILE);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: BUNDLE_FILE, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // Registered before the bundle runs: `--help` and usage errors exit while it is still loading.
    process.once('exit', () => {
      try {
        // Written aside and renamed: commands started at the same moment never read half a cache.
        const temporary = `${CODE_CACHE_FILE}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, CODE_CACHE_FILE);
      } catch {
        // A read-only install runs without a cache, only slower.
      }
    });
  }
  const bundleModule = new Module(BUNDLE_FILE, module);
  bundleModule.filename = BUNDLE_FILE;
  bundleModule.paths = Module._nodeModulePaths(dirname(BUNDLE_FILE));
  const require = Module.createRequire(BUNDLE_FILE);
  script
    .runInThisContext()
    .call(bundleModule.exports, bundleModule.exports, require, bundleModule, BUNDLE_FILE, dirname(BUNDLE_FILE));
}

/** The CLI from its TypeScript sources through tsx, in a child process: the fallback when no bundle can be built. */
function runSources() {
  const { spawn } = require('node:child_process');
  const { join } = require('node:path');
  const { pathToFileURL } = require('node:url');
  const child = spawn(
    process.execPath,
    [
      '--conditions=@distlab/source',
      '--disable-warning=DEP0123',
      '--import',
      pathToFileURL(require.resolve('tsx')).href,
      join(WORKSPACE_ROOT, 'apps', 'cli', 'src', 'main.ts'),
      ...process.argv.slice(2),
    ],
    // The IPC channel is the child's lifeline: it closes when this process dies, even by kill -9 (see src/main.ts).
    { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] },
  );
  // Ctrl-C reaches the whole process group, the CLI included; a signal sent to this process alone is passed on.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}

if (bundleIsFresh()) {
  runBundle();
} else {
  buildBundle().then(runBundle, (error) => {
    process.stderr.write(`distlab: running from the sources (could not build the bundle: ${error.message})\n`);
    runSources();
  });
}
