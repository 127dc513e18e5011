import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { parseInteger } from '@distlab/grpc-kit';
import {
  CHECKABLE_ALGORITHMS,
  CoreLoadError,
  drawRun,
  loadClockCores,
  loadElectionCore,
  loadMutexCore,
  sweep,
  type CheckableAlgorithm,
  type CoreUnderTest,
} from '@distlab/simulator';
import { action } from '../context';

interface SimulateOptions {
  algorithm: CheckableAlgorithm;
  core?: string;
  seeds: number;
  firstSeed: number;
  seed?: number;
  faults: boolean;
  trace?: string;
  steps?: boolean;
}

/**
 * `distlab simulate`: runs an algorithm, the reference core or the user's (`--core FILE`, TypeScript or JavaScript),
 * over the seeded faulty network and checks its invariants. A failure prints the seed, the invariant and the shortest
 * prefix of steps that breaks it; `--seed` replays one run and `--trace` draws it as the space-time diagram page.
 */
export function simulateCommand(program: Command): void {
  program
    .command('simulate')
    .description("check an algorithm's core (the reference or yours) over a seeded faulty network")
    .addOption(
      new Option('--algorithm <name>', 'which algorithm').choices([...CHECKABLE_ALGORITHMS]).makeOptionMandatory(),
    )
    .option('--core <file>', 'your core module (.ts or .js) instead of the reference (see `distlab new`)')
    .option('--seeds <n>', 'how many seeds to run', parseInteger('--seeds', 1, 1_000_000), 500)
    .option('--first-seed <n>', 'the first seed', parseInteger('--first-seed', 1, 2 ** 31), 1)
    .option('--seed <n>', 'replay this one seed', parseInteger('--seed', 1, 2 ** 31))
    .option('--no-faults', 'no delay variance, loss, duplication, partitions or crashes')
    .option('--trace <file.html>', 'write the failing (or replayed) run as a space-time diagram page')
    .option('--steps', 'with --seed: print every step')
    .addHelpText(
      'after',
      `
Examples:
  distlab simulate --algorithm ricart-agrawala --core ./my-ra.ts --seeds 500
  distlab simulate --algorithm ricart-agrawala --core ./my-ra.ts --seed 17 --trace seed-17.html
  distlab simulate --algorithm bully --core ./my-bully.ts --no-faults`,
    )
    .action(
      action(async (options: SimulateOptions) => {
        const core = loadCore(options.algorithm, options.core);
        const who = options.core === undefined ? 'the reference core' : options.core;
        const [firstSeed, seeds] = options.seed === undefined ? [options.firstSeed, options.seeds] : [options.seed, 1];
        process.stdout.write(
          `${options.algorithm}, ${who}: seeds ${firstSeed}..${firstSeed + seeds - 1}, faults ${options.faults ? 'on' : 'off'}\n`,
        );
        const result = sweep(options.algorithm, { faults: options.faults, core, firstSeed, seeds });
        const first = result.first;
        if (first !== undefined) {
          const replay = [
            `--algorithm ${options.algorithm}`,
            options.core && `--core ${options.core}`,
            `--seed ${first.seed}`,
          ]
            .concat(options.faults ? [] : ['--no-faults'])
            .filter(Boolean)
            .join(' ');
          process.stdout.write(`FAIL at seed ${first.seed}: ${first.violation}\n`);
          process.stdout.write(
            first.prefixSteps === undefined
              ? `     shown only by the whole run (${first.steps ?? '?'} steps): liveness cannot be cut shorter\n`
              : `     shortest failing prefix: ${first.prefixSteps} of ${first.steps} steps\n`,
          );
          process.stdout.write(`     replay: distlab simulate ${replay} --trace seed-${first.seed}.html\n`);
        }
        if (options.trace !== undefined) writeDiagram(options, core, first?.seed ?? firstSeed, first?.prefixSteps);
        else if (options.steps && options.seed !== undefined) writeDiagram(options, core, options.seed, undefined);
        const perOperation = (result.messages / Math.max(1, result.operations)).toFixed(1);
        process.stdout.write(
          `${result.runs} runs, ${result.failures} failed; ${result.operations} operations, ${perOperation} messages per operation\n`,
        );
        if (result.failures > 0) process.exitCode = 1;
      }),
    );
}

function writeDiagram(
  options: SimulateOptions,
  core: CoreUnderTest | undefined,
  seed: number,
  maxSteps?: number,
): void {
  const steps = options.steps ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
  const drawn = drawRun(options.algorithm, seed, { faults: options.faults, core, maxSteps, trace: steps });
  if (options.trace === undefined) return;
  if (drawn.events.length === 0) {
    process.stdout.write(`no diagram: the ${options.algorithm} simulation records no message events\n`);
    return;
  }
  writeFileSync(options.trace, drawn.html);
  const cut = maxSteps === undefined ? '' : `, first ${maxSteps} steps`;
  process.stdout.write(`diagram of seed ${seed}${cut} (${drawn.events.length} events) → ${options.trace}\n`);
}

/** The user's core, loaded and checked against the interface the algorithm needs. */
function loadCore(algorithm: CheckableAlgorithm, file: string | undefined): CoreUnderTest | undefined {
  if (file === undefined) return undefined;
  if (algorithm === 'ricart-agrawala') return { mutex: loadMutexCore(file) };
  if (algorithm === 'bully' || algorithm === 'ring') return { election: loadElectionCore(file) };
  const clocks = loadClockCores(file);
  const present = { lamport: clocks.createLamportClock, vector: clocks.vector, berkeley: clocks.berkeleyRound }[
    algorithm
  ];
  if (present === undefined)
    throw new CoreLoadError(`${file}: exports no ${algorithm} core (see \`distlab new clock-core\`)`);
  return { clocks };
}
