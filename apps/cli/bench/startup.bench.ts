import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { formatTable, percentile, startPeerProcess, WORKSPACE_ROOT } from '@distlab/testing';

// How long a `distlab` command takes from the shell's point of view (process start to exit), against the cheapest
// Node process there is, `node -e 0`, measured in the same run: milliseconds differ from machine to machine and from
// minute to minute on a shared one, the ratio much less. The installed bin (node_modules/.bin/distlab) is what a user
// runs once npx's own start-up is out of the way. Each round runs every row once, in an order that rotates from round
// to round, so that a busy moment of the machine falls on every row alike.

const ROUNDS = Number(process.env.STARTUP_BENCH_ROUNDS ?? 30);
const WARM_UP_ROUNDS = 3;
const BIN = join(WORKSPACE_ROOT, 'node_modules', '.bin', 'distlab');

interface Row {
  name: string;
  command: string;
  args: string[];
  /** What the command must print, so that a row that fails is not timed as a fast one. */
  expectStdout: RegExp;
}

function timeOnceMs(row: Row): number {
  const startedAt = process.hrtime.bigint();
  const result = spawnSync(row.command, row.args, {
    cwd: WORKSPACE_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const elapsedMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  if (result.status !== 0 || !row.expectStdout.test(result.stdout)) {
    throw new Error(`${row.name} failed (exit ${result.status}): ${result.stdout}${result.stderr}`);
  }
  return elapsedMs;
}

async function main(): Promise<void> {
  const greeter = await startPeerProcess(1);
  try {
    const rows: Row[] = [
      { name: 'node -e 0 (the floor)', command: process.execPath, args: ['-e', '0'], expectStdout: /^$/ },
      { name: 'distlab --version', command: BIN, args: ['--version'], expectStdout: /^\d+\.\d+\.\d+/ },
      {
        name: 'distlab hello --name Ada',
        command: BIN,
        args: ['--target', greeter.address, 'hello', '--name', 'Ada'],
        expectStdout: /^Hello, Ada!/,
      },
      {
        // What every command cost before the bundle: the TypeScript sources compiled by tsx at each run.
        name: 'distlab --version via tsx (before)',
        command: process.execPath,
        args: [
          ...['--conditions=@distlab/source', '--import', 'tsx'],
          join(WORKSPACE_ROOT, 'apps', 'cli', 'src', 'main.ts'),
          '--version',
        ],
        expectStdout: /^\d+\.\d+\.\d+/,
      },
    ];
    const samples = rows.map(() => [] as number[]);
    // The warm-up builds the bundle if it is stale and writes V8's code cache, as a user's first command does.
    for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round += 1) {
      for (let step = 0; step < rows.length; step += 1) {
        const index = (round + step) % rows.length;
        const elapsedMs = timeOnceMs(rows[index]);
        if (round >= WARM_UP_ROUNDS) samples[index].push(elapsedMs);
      }
    }
    const sorted = samples.map((values) => [...values].sort((a, b) => a - b));
    const floorMs = percentile(sorted[0], 0.5);
    process.stdout.write(
      `\ndistlab start-up: ${ROUNDS} rounds, rows alternating, node ${process.version}; goal: p50 at most 2× the floor\n\n`,
    );
    process.stdout.write(
      `${formatTable(
        ['command', 'p50 ms', 'p90 ms', 'p50 / floor'],
        rows.map((row, index) => [
          row.name,
          Number(percentile(sorted[index], 0.5).toFixed(1)),
          Number(percentile(sorted[index], 0.9).toFixed(1)),
          `${(percentile(sorted[index], 0.5) / floorMs).toFixed(2)}×`,
        ]),
      )}\n`,
    );
  } finally {
    greeter.process.child.kill('SIGTERM');
    await greeter.process.exited();
  }
}

void main();
