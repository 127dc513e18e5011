import { dirname, join } from 'node:path';

/**
 * Where the skeletons that `distlab new` writes live (libs/simulator/starters): real TypeScript files, type-checked
 * with this project's tests, so that a skeleton a student receives always compiles. Found from the package, not from
 * __dirname: the `distlab` command runs this code from its bundle in apps/cli/.bundle, where no starters are.
 */
export const STARTERS_DIR = join(dirname(require.resolve('@distlab/simulator/package.json')), 'starters');
