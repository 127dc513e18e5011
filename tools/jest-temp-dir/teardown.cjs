// Jest's global teardown: removes the run's temporary directory that setup.cjs made (see there), unless
// DISTLAB_KEEP_TEST_FILES is set.
const { rmSync } = require('node:fs');

module.exports = async function removeRunTempDir() {
  const dir = process.env.DISTLAB_TEST_RUN_DIR;
  if (dir === undefined) return;
  if (process.env.DISTLAB_KEEP_TEST_FILES) {
    process.stderr.write(`The tests' files are kept in ${dir} (DISTLAB_KEEP_TEST_FILES).\n`);
    return;
  }
  // A process a test left running may still be writing in it: retry a few times, then say so rather than fail a run
  // whose tests passed (the leak is the finding: the line names the directory to look in).
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (error) {
    process.stderr.write(
      `Could not remove the tests' temporary directory ${dir} (${error.code ?? error.message}): ` +
        `a process a test started may still be running and writing there.\n`,
    );
  }
};
