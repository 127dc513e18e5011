#!/usr/bin/env node
// The one entry point of the distlab container image: its first argument names the app (balancer, peer, worker,
// inventory, distlab), the rest are that app's own flags. The app runs in this process, so signals reach it directly.
'use strict';
const { join } = require('node:path');

/** Each app's compiled entry, relative to the workspace root. */
const APPS = {
  balancer: 'apps/balancer/dist/main.js',
  peer: 'apps/peer/dist/main.js',
  worker: 'apps/factorial-worker/dist/main.js',
  inventory: 'apps/inventory-service/dist/main.js',
  distlab: 'apps/cli/dist/main.js',
};

/**
 * What a container's command means: the app's entry file, its arguments and its environment. A StatefulSet's pod
 * gets its peer id from its ordinal when DISTLAB_PEER_ID_FROM is "hostname-ordinal": pod peer-0 is peer 1 (peer ids
 * are positive), peer-2 is peer 3. Pure, so that the deployment test resolves commands exactly as a container does.
 */
function resolveContainerCommand(argv, env, hostname) {
  const [app, ...args] = argv;
  const entry = APPS[app];
  if (entry === undefined)
    throw new Error(`the first argument names the app: one of ${Object.keys(APPS).join(', ')} (not "${app ?? ''}")`);
  const resolvedEnv = { ...env };
  if (env.DISTLAB_PEER_ID_FROM === 'hostname-ordinal') {
    const ordinal = /-(\d+)$/.exec(hostname);
    if (ordinal === null)
      throw new Error(`DISTLAB_PEER_ID_FROM=hostname-ordinal, but "${hostname}" ends in no ordinal`);
    resolvedEnv.DISTLAB_PEER_ID = String(Number(ordinal[1]) + 1);
    delete resolvedEnv.DISTLAB_PEER_ID_FROM;
  }
  return { app, entry, args, env: resolvedEnv };
}

module.exports = { resolveContainerCommand, APPS };

if (require.main === module) {
  let resolved;
  try {
    resolved = resolveContainerCommand(process.argv.slice(2), process.env, require('node:os').hostname());
  } catch (error) {
    process.stderr.write(`distlab image: ${error.message}\n`);
    process.exit(2);
  }
  Object.assign(process.env, resolved.env);
  if (!('DISTLAB_PEER_ID' in resolved.env)) delete process.env.DISTLAB_PEER_ID_FROM;
  process.argv = [process.argv[0], resolved.entry, ...resolved.args];
  require(join(__dirname, '..', resolved.entry));
}
