import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortRange, SpawnedProcess, WORKSPACE_ROOT } from '@distlab/testing';
import {
  LAB_BLOCK,
  linePattern,
  missingLines,
  readLabPages,
  runStep,
  SHOWN_ONLY_BLOCKS,
  startBackground,
  stopBackground,
} from './test-support/lab-pages';

// The lab pages cannot go stale: this starts a fresh system as `npm start` does (on free ports, in a directory of its
// own), then runs every command of every page of docs/labs/ in order, as a student would type it, and checks that each
// prints what the page says it prints and exits as the page says. A page's second system (`--base-port 51000`) gets a
// free base port of its own.

const LABS_DIR = join(WORKSPACE_ROOT, 'docs', 'labs');
const BIN = join(WORKSPACE_ROOT, 'apps', 'cli', 'bin', 'distlab.js');
const SECOND_SYSTEM_BASE_PORT = '51000';
const STEP_TIMEOUT_MS = 120_000;
const SECTIONS = [
  '## What to run',
  '## What you will see',
  '## What to break',
  '## What the checker says',
  '## Questions',
];

const pages = readLabPages(LABS_DIR);
let system: SpawnedProcess;
let workDir: string;
let secondBasePort: number;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const basePort = await freePortRange(20);
  secondBasePort = await freePortRange(20);
  workDir = mkdtempSync(join(tmpdir(), 'distlab-labs-'));
  env = {
    ...process.env,
    PATH: `${join(WORKSPACE_ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
    DISTLAB_BASE_PORT: String(basePort),
    NO_COLOR: '1',
  };
  system = new SpawnedProcess(
    spawn(process.execPath, [BIN, 'up'], { cwd: workDir, env, stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  await system.waitForLine((line) => line === 'distlab is up: 9 processes', 90_000);
}, 120_000);

afterAll(async () => {
  await stopBackground(system, 20_000);
});

it('has the eleven labs, each with its sections and only blocks the test runs or that show output', () => {
  expect(pages.map((page) => page.file)).toHaveLength(11);
  for (const page of pages) {
    expect({ page: page.file, steps: page.steps.length > 0 }).toEqual({ page: page.file, steps: true });
    expect({
      page: page.file,
      fences: page.fences.filter((fence) => ![LAB_BLOCK, ...SHOWN_ONLY_BLOCKS].includes(fence)),
    }).toEqual({
      page: page.file,
      fences: [],
    });
  }
});

describe.each(pages.map((page) => [page.file, page] as const))('%s', (_file, page) => {
  it('has every section a lab page has', () => {
    const markdown = readFileSync(join(LABS_DIR, page.file), 'utf8');
    expect(SECTIONS.filter((section) => !markdown.includes(section))).toEqual([]);
  });

  it('prints what the page says, command by command', async () => {
    const background: SpawnedProcess[] = [];
    try {
      for (const step of page.steps) {
        const command = step.command.replaceAll(SECOND_SYSTEM_BASE_PORT, String(secondBasePort));
        if (step.background) {
          const started = startBackground(BIN, command.replace(/^distlab /, 'distlab '), { cwd: workDir, env });
          background.push(started);
          for (const expected of step.expected) {
            const pattern = linePattern(expected);
            await started
              .waitForLine((line) => pattern.test(line), 90_000)
              .catch((error: Error) => {
                throw new Error(
                  `$ ${step.command} &\nnever printed: ${expected}\n${started.lines.join('\n')}\n${error.message}`,
                );
              });
          }
          continue;
        }
        const result = await runStep(command, { cwd: workDir, env, timeoutMs: STEP_TIMEOUT_MS });
        const missing = missingLines(step.expected, result.output);
        if (result.exitCode !== step.exitCode || missing.length > 0) {
          throw new Error(
            `$ ${step.command}\nexit ${result.exitCode} (the page says ${step.exitCode}); missing: ${JSON.stringify(missing)}\n--- output ---\n${result.output}`,
          );
        }
      }
    } finally {
      await Promise.all(background.map((started) => stopBackground(started, 20_000)));
    }
  }, 300_000);
});
