// Jest's global setup: each Jest run (one per project under Nx) gets a temporary directory of its own, and everything
// the tests put in the system's temporary directory goes there: their own mkdtemp directories, the peers, servers and
// PostgreSQL instances they start (which inherit TMPDIR), Chromium's profiles. teardown.cjs removes it when the run
// ends, so that running the tests leaves nothing behind in /tmp, however a test stopped what it started.
//
// DISTLAB_KEEP_TEST_FILES=1 keeps it, to look at what a failing test wrote; the teardown says where it is.
const { chmodSync, mkdirSync, mkdtempSync, symlinkSync } = require('node:fs');
const { tmpdir, userInfo } = require('node:os');
const { join } = require('node:path');

module.exports = async function makeRunTempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'distlab-test-run-'));
  // As /tmp is: PostgreSQL runs as another user (it refuses root) and must reach its data directory in here.
  chmodSync(dir, 0o1777);
  // tsx keeps the TypeScript it transformed in <tmpdir>/tsx-<uid>: a cache in the run's own directory would start cold
  // in every run, and a cold start costs each process the tests start most of a second more (and leaves it an idle
  // esbuild process). The link keeps the one cache; removing the run's directory removes the link, not the cache.
  const tsxCache = `tsx-${process.geteuid?.() ?? userInfo().username}`;
  mkdirSync(join(tmpdir(), tsxCache), { recursive: true, mode: 0o700 });
  symlinkSync(join(tmpdir(), tsxCache), join(dir, tsxCache));
  process.env.DISTLAB_TEST_RUN_DIR = dir;
  // Read by os.tmpdir() in this process, in Jest's workers (started after this, with this environment) and in every
  // process they start: Node, Python, PostgreSQL, Chromium.
  process.env.TMPDIR = dir;
};
