import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BerkeleyAverager, LamportClockCore, VectorClockRules } from '@distlab/clock';
import type { LeaderElectionCore, LeaderElectionCoreFactory, LeaderElectionCoreOptions } from '@distlab/election';
import type { MutexCore, MutexCoreFactory, MutexCoreOptions } from '@distlab/mutex';

/**
 * Loads a user's core module (TypeScript or JavaScript) at run time and checks that it has the shape of the interface
 * before anything drives it, so that a mistake reads "my-ra.ts: createMutexCore(...) returned an object without
 * handle()" instead of a TypeError deep inside a simulation. The same functions serve the simulator, the CLI and the
 * peer's drivers; each returns a factory to call once per process and per life.
 */

/** A user's module that cannot be loaded, or does not export what the interface asks for. */
export class CoreLoadError extends Error {}

/** The clock cores a module offers; each is absent when the module does not export it. */
export interface ClockCores {
  createLamportClock?: () => LamportClockCore;
  vector?: VectorClockRules;
  berkeleyRound?: BerkeleyAverager;
}

/**
 * The module's exports. Under tsx (the CLI) and under Jest, `require` already understands TypeScript; compiled code
 * running on plain Node does not, so a file it cannot parse is loaded again through tsx's scoped require, which
 * transpiles without registering a hook for the whole process.
 */
export function loadModule(file: string): Record<string, unknown> {
  const path = resolve(file);
  if (!existsSync(path)) throw new CoreLoadError(`${file}: no such file (give a path to a .ts or .js module)`);
  try {
    // A run-time path: what `import()` would do, but synchronous, so the peer's drivers can build cores at once.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path) as Record<string, unknown>;
  } catch (error) {
    if (!needsTranspiling(error)) throw new CoreLoadError(`${file}: loading it failed: ${String(error)}`);
  }
  try {
    // tsx is loaded only here, when a file needs transpiling: loading it costs every process that merely could.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { require: tsxRequire } = require('tsx/cjs/api') as typeof import('tsx/cjs/api');
    return tsxRequire(path, __filename) as Record<string, unknown>;
  } catch (error) {
    throw new CoreLoadError(`${file}: loading it failed: ${String(error)}`);
  }
}

function needsTranspiling(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof SyntaxError || code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_REQUIRE_ESM';
}

/** A function export called as a factory, or a class export constructed: both forms are common in students' code. */
function asFactory<Options, Core>(file: string, exported: unknown, name: string): (options: Options) => Core {
  if (typeof exported !== 'function') {
    throw new CoreLoadError(
      `${file}: exports no ${name} (export function ${name}(options) { … }, or a default export; see \`distlab new\`)`,
    );
  }
  const isClass = /^class[\s{]/.test(Function.prototype.toString.call(exported));
  const make = exported as (options: Options) => Core;
  const construct = exported as new (options: Options) => Core;
  return isClass ? (options) => new construct(options) : (options) => make(options);
}

function requireMethods(file: string, what: string, value: unknown, methods: readonly string[]): void {
  if (typeof value !== 'object' || value === null)
    throw new CoreLoadError(`${file}: ${what} returned ${String(value)}, not an object`);
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function')
      throw new CoreLoadError(`${file}: ${what} returned an object without ${method}()`);
  }
}

/** Loads a mutex core: the module exports `createMutexCore` (or a default export), a function or a class. */
export function loadMutexCore(file: string): MutexCoreFactory {
  const exports = loadModule(file);
  const factory = asFactory<MutexCoreOptions, MutexCore>(
    file,
    exports['createMutexCore'] ?? exports['default'],
    'createMutexCore',
  );
  const what = 'createMutexCore({ self: 1, members: [1, 2, 3], incarnation: 1 })';
  const probe = factory({ self: 1, members: [1, 2, 3], incarnation: 1 });
  requireMethods(file, what, probe, ['handle', 'describe']);
  if (!['released', 'wanted', 'held'].includes(probe.state))
    throw new CoreLoadError(`${file}: ${what}.state is ${JSON.stringify(probe.state)}, not 'released' at the start`);
  return factory;
}

/** Loads an election core: the module exports `createElectionCore` (or a default export), a function or a class. */
export function loadElectionCore(file: string): LeaderElectionCoreFactory {
  const exports = loadModule(file);
  const factory = asFactory<LeaderElectionCoreOptions, LeaderElectionCore>(
    file,
    exports['createElectionCore'] ?? exports['default'],
    'createElectionCore',
  );
  const probe = factory({ self: 1, members: [1, 2, 3], algorithm: 'bully' });
  requireMethods(file, "createElectionCore({ self: 1, members: [1, 2, 3], algorithm: 'bully' })", probe, [
    'handle',
    'describe',
    'nextDeadlineMs',
  ]);
  return factory;
}

/**
 * Loads whichever clock cores the module exports: `createLamportClock` (or a class `LamportClock`),
 * `incrementVector` with `receiveVector`, and `berkeleyRound`. At least one must be there.
 */
export function loadClockCores(file: string): ClockCores {
  const exports = loadModule(file);
  const cores: ClockCores = {};
  const lamport = exports['createLamportClock'] ?? exports['LamportClock'];
  if (lamport !== undefined) {
    const factory = asFactory<undefined, LamportClockCore>(file, lamport, 'createLamportClock');
    const create = () => factory(undefined);
    requireMethods(file, 'createLamportClock()', create(), ['tick', 'receive']);
    cores.createLamportClock = create;
  }
  const { incrementVector, receiveVector, berkeleyRound } = exports;
  if (incrementVector !== undefined || receiveVector !== undefined) {
    if (typeof incrementVector !== 'function' || typeof receiveVector !== 'function')
      throw new CoreLoadError(`${file}: a vector clock needs both incrementVector and receiveVector as functions`);
    cores.vector = { incrementVector, receiveVector } as VectorClockRules;
  }
  if (berkeleyRound !== undefined) {
    if (typeof berkeleyRound !== 'function') throw new CoreLoadError(`${file}: berkeleyRound is not a function`);
    cores.berkeleyRound = berkeleyRound as BerkeleyAverager;
  }
  if (Object.keys(cores).length === 0)
    throw new CoreLoadError(
      `${file}: exports none of createLamportClock, LamportClock, incrementVector/receiveVector, berkeleyRound`,
    );
  return cores;
}
