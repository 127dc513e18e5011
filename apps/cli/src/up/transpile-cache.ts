// Why the system's TypeScript is transpiled before the system starts.
//
// Every process of `distlab up` runs its sources through tsx, which transpiles each file with esbuild on the first
// start and keeps the result in its cache (<tmpdir>/tsx-<uid>). A process that transpiled anything keeps esbuild's
// service (a thread and an esbuild process) for the rest of its life, idle but waking 30–70 times a second. On a cold
// cache (a fresh machine's first `npm start`, a start after a reboot emptied /tmp, a start after a `git pull`) that was
// every process: nine esbuild processes for as long as the system ran. So when a source is newer than the last
// warm-up, each app is loaded once first with its real arguments and `--check-config` (its whole import graph; it
// parses, prints its configuration, and ends by running out of work, so that tsx finishes writing its cache, which
// it does asynchronously, and its esbuild goes with it), and the system's processes find everything transpiled. A
// stamp in tsx's cache records when; a cache that was wiped takes its stamp with it.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** How long one app may take to load: a cold cache on a slow machine takes seconds; past this, the start goes on. */
const WARM_UP_LIMIT_MS = 60_000;
const SOURCE_ROOTS = ['apps', 'libs'];

/** tsx's cache directory, as tsx names it, for processes started with `env` (their TMPDIR). */
function tsxCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env['TMPDIR'] || tmpdir(), `tsx-${process.geteuid?.() ?? userInfo().username}`);
}

/** The newest modification time of the workspace's TypeScript sources (apps/<name>/src, libs/<name>/src). */
function newestSourceMs(workspaceRoot: string): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const root of SOURCE_ROOTS)
    for (const project of readdirSync(join(workspaceRoot, root))) {
      const sources = join(workspaceRoot, root, project, 'src');
      if (existsSync(sources)) visit(sources);
    }
  return newest;
}

function warmedAtMs(stamp: string): number {
  try {
    return (JSON.parse(readFileSync(stamp, 'utf8')) as { warmedAtMs: number }).warmedAtMs;
  } catch {
    return -1;
  }
}

/** One app to load: its directory under apps/ and the arguments it will start with. */
export interface AppToLoad {
  app: string;
  args: readonly string[];
}

/** Loads one app's sources through tsx and lets it end; resolves either way (the real start reports any failure). */
function loadOnce(
  workspaceRoot: string,
  nodeArgs: readonly string[],
  { app, args }: AppToLoad,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  return new Promise((resolve) => {
    const entry = join(workspaceRoot, 'apps', app, 'src', 'main.ts');
    const child = spawn(process.execPath, [...nodeArgs, entry, ...args, '--check-config'], {
      cwd: workspaceRoot,
      env,
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), WARM_UP_LIMIT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('error', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Fills tsx's cache with the apps' sources (one load per app, the first of its processes) when any workspace source is
 * newer than the last time it did; resolves whether it had to.
 */
export async function warmTranspileCache(
  workspaceRoot: string,
  nodeArgs: readonly string[],
  processes: readonly AppToLoad[],
  /** The environment the processes will start with (it says where tsx keeps its cache). */
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  const cacheDir = tsxCacheDir(env);
  const stamp = join(cacheDir, 'distlab-warmed.json');
  if (newestSourceMs(workspaceRoot) < warmedAtMs(stamp)) return false;
  // The stamp's time is when loading began: a source saved meanwhile counts as newer.
  const startedAtMs = Date.now();
  const firstOfEach = [...new Map(processes.map((spec) => [spec.app, spec])).values()];
  await Promise.all(firstOfEach.map((spec) => loadOnce(workspaceRoot, nodeArgs, spec, env)));
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  writeFileSync(stamp, JSON.stringify({ warmedAtMs: startedAtMs }));
  return true;
}
