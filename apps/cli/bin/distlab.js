#!/usr/bin/env node
// The `distlab` command. It runs the CLI from its TypeScript sources (no build step after `npm ci`): Node is started
// with tsx's loader and the "@distlab/source" export condition, which resolves workspace libraries to their sources.
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const entry = join(__dirname, '..', 'src', 'main.ts');
const child = spawn(
  process.execPath,
  [
    '--conditions=@distlab/source',
    // grpc-js names the server it dials by IP when the target is an IP (127.0.0.1 under `distlab up --secure`): the
    // certificate's IP entry is what it checks, but Node warns that SNI carries no IP. The warning says nothing to a user.
    '--disable-warning=DEP0123',
    // The loader is named by its file, found from here: a bare `tsx` would be looked up from the user's directory.
    '--import',
    pathToFileURL(require.resolve('tsx')).href,
    entry,
    ...process.argv.slice(2),
  ],
  {
    // The IPC channel is the child's lifeline: it closes when this process dies, even by kill -9 (see src/main.ts).
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  },
);
// Ctrl-C reaches the whole process group, the CLI included; a signal sent to this process alone is passed on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
