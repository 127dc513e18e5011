#!/usr/bin/env node
// The `distlab` command. It runs the CLI from its TypeScript sources (no build step after `npm ci`): Node is started
// with tsx's loader and the "@distlab/source" export condition, which resolves workspace libraries to their sources.
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'src', 'main.ts');
const child = spawn(
  process.execPath,
  ['--conditions=@distlab/source', '--import', 'tsx', entry, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
// Ctrl-C reaches the whole process group, the CLI included; a signal sent to this process alone is passed on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
