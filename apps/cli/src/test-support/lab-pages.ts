import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpawnedProcess } from '@distlab/testing';

/**
 * The runnable part of a lab page (docs/labs/*.md): its ```sh distlab-lab blocks. In a block, a line starting with
 * `$ ` is a command, and the lines after it, up to the next command, are what it prints (stdout and stderr together):
 * each must appear, in that order, `…` standing for anything. `[exit N]` says the command exits N (0 otherwise).
 * A command ending in ` &` keeps running in the background until the page ends; its lines are awaited as they come.
 */
export interface LabStep {
  command: string;
  expected: string[];
  exitCode: number;
  background: boolean;
}

export interface LabPage {
  file: string;
  title: string;
  steps: LabStep[];
  /** The languages of every fenced block, to check that no command hides in a block the test does not run. */
  fences: string[];
}

export const LAB_BLOCK = 'sh distlab-lab';
/** Blocks that show without being run: output, diagrams, and `npm start`, which the test does itself. */
export const SHOWN_ONLY_BLOCKS = ['text', 'sh npm-start'];

export function readLabPages(dir: string): LabPage[] {
  return readdirSync(dir)
    .filter((file) => /^\d\d-.*\.md$/.test(file))
    .sort()
    .map((file) => parseLabPage(file, readFileSync(join(dir, file), 'utf8')));
}

export function parseLabPage(file: string, markdown: string): LabPage {
  const title = /^# (.*)$/m.exec(markdown)?.[1] ?? file;
  const steps: LabStep[] = [];
  const fences: string[] = [];
  const blocks = markdown.matchAll(/^```(.*)\n([\s\S]*?)^```$/gm);
  for (const [, language, body] of blocks) {
    fences.push(language.trim());
    if (language.trim() !== LAB_BLOCK) continue;
    let step: LabStep | undefined;
    for (const line of body.split('\n')) {
      if (line.startsWith('$ ')) {
        const command = line.slice(2).trim();
        const background = command.endsWith(' &');
        step = { command: background ? command.slice(0, -2).trim() : command, expected: [], exitCode: 0, background };
        steps.push(step);
      } else if (step !== undefined && /^\[exit (\d+)\]$/.test(line.trim())) {
        step.exitCode = Number(/\d+/.exec(line)?.[0]);
      } else if (step !== undefined && line.trim() !== '') {
        step.expected.push(line.trimEnd());
      }
    }
  }
  return { file, title, steps, fences };
}

/**
 * A page's expected line as a pattern: literal text, `…` standing for anything, and a run of two or more spaces for
 * any run of spaces (a table's columns are as wide as that run's values).
 */
export function linePattern(expected: string): RegExp {
  const escaped = expected
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ {2,}/g, ' +'))
    .join('.*');
  return new RegExp(`^${escaped}\\s*$`);
}

/** The expected lines not found, in order, in `output` (empty when all are there). */
export function missingLines(expected: readonly string[], output: string): string[] {
  const lines = output.split('\n');
  let from = 0;
  const missing: string[] = [];
  for (const wanted of expected) {
    const pattern = linePattern(wanted);
    const at = lines.findIndex((line, index) => index >= from && pattern.test(line));
    if (at < 0) missing.push(wanted);
    else from = at + 1;
  }
  return missing;
}

export interface StepResult {
  exitCode: number | string;
  output: string;
}

/** Runs one foreground command through sh, with `distlab` on the PATH, and collects what it prints. */
export async function runStep(
  command: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<StepResult> {
  const child = spawn('sh', ['-c', command], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const exitCode = await new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  clearTimeout(timer);
  return { exitCode, output };
}

/** Starts a background `distlab …` command (the bin itself, so that SIGTERM reaches it and it stops its children). */
export function startBackground(
  bin: string,
  command: string,
  options: { cwd: string; env: NodeJS.ProcessEnv },
): SpawnedProcess {
  const [program, ...args] = command.split(/\s+/);
  if (program !== 'distlab') throw new Error(`only distlab runs in the background, not "${program}"`);
  return new SpawnedProcess(
    spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
}

/** Stops a background command: SIGTERM (a clean stop of everything it started), SIGKILL after a bound. */
export async function stopBackground(process: SpawnedProcess, timeoutMs: number): Promise<void> {
  if (process.child.exitCode !== null || process.child.signalCode !== null) return;
  process.child.kill('SIGTERM');
  const timer = setTimeout(() => process.child.kill('SIGKILL'), timeoutMs);
  await process.exited();
  clearTimeout(timer);
}
