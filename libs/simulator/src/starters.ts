import { join } from 'node:path';

/**
 * Where the skeletons that `distlab new` writes live (libs/simulator/starters): real TypeScript files, type-checked
 * with this project's tests, so that a skeleton a student receives always compiles. The same path holds from the
 * sources and from the compiled `dist`.
 */
export const STARTERS_DIR = join(__dirname, '..', 'starters');
