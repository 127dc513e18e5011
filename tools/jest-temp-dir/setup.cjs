// Jest's global setup: each Jest run (one per project under Nx) gets a temporary directory of its own, and everything
// the tests put in the system's temporary directory goes there: their own mkdtemp directories, the peers, servers and
// PostgreSQL instances they start (which inherit TMPDIR), Chromium's profiles. teardown.cjs removes it when the run
// ends, so that running the tests leaves nothing behind in /tmp, however a test stopped what it started.
//
// DISTLAB_KEEP_TEST_FILES=1 keeps it, to look at what a failing test wrote; the teardown says where it is.
const { chmodSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async function makeRunTempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'distlab-test-run-'));
  // As /tmp is: PostgreSQL runs as another user (it refuses root) and must reach its data directory in here.
  chmodSync(dir, 0o1777);
  process.env.DISTLAB_TEST_RUN_DIR = dir;
  // Read by os.tmpdir() in this process, in Jest's workers (started after this, with this environment) and in every
  // process they start: Node, Python, PostgreSQL, Chromium.
  process.env.TMPDIR = dir;
};
