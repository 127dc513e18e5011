// Builds the binding with the node-gyp that npm ships, at `npm ci`. A machine that cannot build it (no compiler, no
// libgmp.so.10) still installs: the factorial worker then computes with gmp-wasm, and says so when it starts.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nodeGyp = process.env.npm_config_node_gyp ?? findBundledNodeGyp();
const args = [nodeGyp, 'rebuild'];
if (!process.env.npm_config_nodedir && !process.env.npm_config_node_gyp) args.push('--nodedir=/usr');
const result = nodeGyp ? spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8' }) : undefined;
if (result?.status === 0) {
  console.log('@distlab/gmp-native: built against the system GMP');
} else {
  const why = result ? (result.stderr || result.stdout).trim().split('\n').slice(-6).join('\n') : 'node-gyp not found';
  console.warn(`@distlab/gmp-native: not built; the factorial worker will use gmp-wasm (slower).\n${why}`);
}

function findBundledNodeGyp() {
  try {
    const npmRoot = dirname(dirname(process.env.npm_execpath ?? ''));
    return createRequire(join(npmRoot, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}
