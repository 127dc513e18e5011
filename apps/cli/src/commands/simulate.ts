import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { parseInteger } from '@distlab/grpc-kit';
import {
  CHECKABLE_ALGORITHMS,
  CoreLoadError,
  drawRun,
  exploreMutex,
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
  explore?: boolean;
  crashes: number;
  maxDepth: number;
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
    .option('--explore', 'search every delivery order (and crash point) of 3 processes entering once (ricart-agrawala)')
    .option('--crashes <n>', 'with --explore: crash-and-restart events per path', parseInteger('--crashes', 0, 3), 0)
    .option('--max-depth <n>', 'with --explore: the longest path, in events', parseInteger('--max-depth', 1, 1000), 60)
    .action(
      action(async (options: SimulateOptions) => {
        const core = loadCore(options.algorithm, options.core);
        if (options.explore) return explore(options, core);
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
          if (first.prefixSteps !== undefined)
            process.stdout.write(
              `     shortest failing prefix: ${first.prefixSteps} steps (the first ${first.prefixSteps - 1} pass)\n`,
            );
          else if (first.steps !== undefined)
            process.stdout.write(
              `     shown only by the whole run (${first.steps} steps): liveness cannot be cut shorter\n`,
            );
          const drawable = options.algorithm !== 'berkeley';
          process.stdout.write(
            `     replay: distlab simulate ${replay}${drawable ? ` --trace seed-${first.seed}.html` : ''}\n`,
          );
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

/** `--explore`: the exhaustive search, its state count, and the shortest counterexample if there is one. */
function explore(options: SimulateOptions, core: CoreUnderTest | undefined): void {
  if (options.algorithm !== 'ricart-agrawala')
    throw new CoreLoadError(`--explore searches ricart-agrawala only; for ${options.algorithm}, sweep seeds instead`);
  const who = options.core === undefined ? 'the reference core' : options.core;
  process.stdout.write(
    `ricart-agrawala, ${who}: every delivery order of 3 processes entering once, ${options.crashes} crash(es), depth ≤ ${options.maxDepth}\n`,
  );
  const startedAt = performance.now();
  const result = exploreMutex({ makeCore: core?.mutex, crashes: options.crashes, maxDepth: options.maxDepth });
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const counterexample = result.counterexample;
  if (counterexample === undefined) {
    const verdict = result.exhaustive ? 'no violation in any reachable state' : 'no violation within the bound';
    process.stdout.write(
      `${result.statesExplored} states explored (depth ${result.depth}, ${seconds} s): ${verdict}\n`,
    );
    return;
  }
  process.stdout.write(`${result.statesExplored} states explored (${seconds} s): FAIL: ${counterexample.violation}\n`);
  process.stdout.write(`shortest counterexample, ${counterexample.path.length} events:\n`);
  counterexample.path.forEach((event, index) => process.stdout.write(`  ${String(index + 1).padStart(3)}. ${event}\n`));
  if (options.trace !== undefined) {
    writeFileSync(options.trace, counterexample.html);
    process.stdout.write(`diagram of the counterexample → ${options.trace}\n`);
  }
  process.exitCode = 1;
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
