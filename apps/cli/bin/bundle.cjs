// The compiled `distlab`: one CommonJS file that esbuild makes from src/main.ts and the workspace libraries' sources,
// so that each run of the command starts Node once and loads plain JavaScript instead of compiling TypeScript through
// tsx. `npm ci` builds it (the root package's `prepare` script runs this file); bin/distlab.js rebuilds it when a
// source it was made from has changed since, so a student who edits the code never runs a stale command.
'use strict';
const { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const WORKSPACE_ROOT = resolve(__dirname, '..', '..', '..');
const OUT_DIR = join(__dirname, '..', '.bundle');
const BUNDLE_FILE = join(OUT_DIR, 'distlab.cjs');
const STAMP_FILE = join(OUT_DIR, 'stamp.json');
const CODE_CACHE_FILE = join(OUT_DIR, 'distlab.cjs.v8-cache');

// Packages that stay outside the bundle, loaded from node_modules when (and only if) a command needs them: native
// addons and worker-thread pools need their own files beside them, and the gRPC health and reflection packages read
// .proto files relative to their own directory when they load.
const EXTERNAL = [
  'better-sqlite3',
  'piscina',
  '@distlab/gmp-native',
  'gmp-wasm',
  'playwright-core',
  'pino-pretty',
  'grpc-health-check',
  '@grpc/reflection',
  'pg',
  // The core loader (distlab simulate --core, up --mutex-core) transpiles a user's TypeScript with tsx at run time;
  // tsx finds its own files from import.meta.url, which a CommonJS bundle does not have.
  'tsx',
  'tsx/*',
  // The live view checks and rebuilds its page with esbuild, whose JavaScript finds its own binary at run time.
  'esbuild',
  // Resolved at run time to find a package's directory (the live view's page, its sources), never loaded as code.
  '@distlab/*/package.json',
];

/**
 * The workspace's own modules have no side effects on import: telling esbuild so lets it drop whatever the CLI does not
 * use (the server half of grpc-kit, the descriptor tooling), which is start-up time every command would otherwise pay.
 */
const workspaceModulesArePure = {
  name: 'workspace-modules-are-pure',
  setup(build) {
    const libraries = join(WORKSPACE_ROOT, 'libs');
    build.onResolve({ filter: /^(@distlab\/|\.)/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (resolved.errors.length > 0 || resolved.external || !resolved.path.startsWith(libraries)) return resolved;
      return { ...resolved, sideEffects: false };
    });
  },
};

function buildOptions() {
  return {
    absWorkingDir: WORKSPACE_ROOT,
    entryPoints: [join(WORKSPACE_ROOT, 'apps', 'cli', 'src', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: BUNDLE_FILE,
    // Workspace libraries resolve to their TypeScript sources through this export condition, as under tsx.
    conditions: ['@distlab/source'],
    external: EXTERNAL,
    metafile: true,
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  };
}

/** The workspace files (not node_modules) the bundle was made from; a change to any of them makes it stale. */
function sourcesOf(metafile) {
  return Object.keys(metafile.inputs)
    .filter((input) => !input.includes('node_modules'))
    .map((input) => relative(WORKSPACE_ROOT, resolve(WORKSPACE_ROOT, input)));
}

/**
 * Builds the bundle and its stamp (the sources it was made from and when). The bundle is written under a temporary
 * name and renamed, so that a command started meanwhile never loads half a file. Plugins need esbuild's asynchronous
 * API, so this returns a promise.
 */
async function buildBundle() {
  const esbuild = require('esbuild');
  mkdirSync(OUT_DIR, { recursive: true });
  const startedAtMs = Date.now();
  const temporary = `${BUNDLE_FILE}.${process.pid}.tmp`;
  let result;
  try {
    result = await esbuild.build({ ...buildOptions(), outfile: temporary, plugins: [workspaceModulesArePure] });
  } finally {
    // The build ran in an esbuild process that would otherwise stay for the life of this one: `distlab up` runs for
    // hours, and an idle esbuild wakes tens of times a second.
    await esbuild.stop();
  }
  renameSync(temporary, BUNDLE_FILE);
  renameSync(`${temporary}.map`, `${BUNDLE_FILE}.map`);
  rmSync(CODE_CACHE_FILE, { force: true });
  // The stamp's time is when the build started: a source saved during the build counts as newer than the bundle.
  writeFileSync(STAMP_FILE, JSON.stringify({ builtAtMs: startedAtMs, sources: sourcesOf(result.metafile) }));
  return BUNDLE_FILE;
}

/**
 * Whether the bundle exists and no source it was made from has been modified (or removed) since it was built. This is
 * the check every run pays: one small JSON file and a stat per workspace source, about a millisecond.
 */
function bundleIsFresh() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP_FILE, 'utf8'));
    statSync(BUNDLE_FILE);
  } catch {
    return false;
  }
  for (const source of stamp.sources) {
    const stats = statSync(join(WORKSPACE_ROOT, source), { throwIfNoEntry: false });
    if (stats === undefined || stats.mtimeMs >= stamp.builtAtMs) return false;
  }
  return true;
}

module.exports = { buildBundle, bundleIsFresh, BUNDLE_FILE, CODE_CACHE_FILE, WORKSPACE_ROOT };

if (require.main === module) {
  try {
    require.resolve('esbuild');
  } catch {
    // An install without development dependencies has no esbuild (nor tsx): nothing to build, nothing to fail.
    process.stdout.write('distlab: esbuild is not installed; the bundle is not built\n');
    process.exit(0);
  }
  buildBundle().then(
    (file) => process.stdout.write(`distlab: built ${relative(process.cwd(), file)}\n`),
    (error) => {
      process.stderr.write(`distlab: could not build the bundle: ${error.message}\n`);
      process.exit(1);
    },
  );
}
