// npm run simulate -- --algorithm ricart-agrawala --seeds 1000
// Runs seeded simulations and prints a summary: runs, violations, operations and messages per operation. The first
// line names the seeds; a failing run prints "reproduce with --seed N", and `--seed N --trace` replays it step by step.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  simulateBerkeley,
  simulateElection,
  simulateLogicalClocks,
  simulateRicartAgrawala,
  type SimulationResult,
} from './index';

const ALGORITHMS = ['ricart-agrawala', 'bully', 'ring', 'clocks', 'berkeley'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

function run(algorithm: Algorithm, seed: number, faults: boolean, trace?: (line: string) => void): SimulationResult {
  switch (algorithm) {
    case 'ricart-agrawala':
      return simulateRicartAgrawala(seed, { faults, trace });
    case 'bully':
    case 'ring':
      return simulateElection(seed, { algorithm, faults, trace });
    case 'clocks':
      return simulateLogicalClocks(seed, { faults });
    case 'berkeley':
      return simulateBerkeley(seed, { faults });
  }
}

function positive(label: string) {
  return (raw: string) => {
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 1)
      throw new InvalidArgumentError(`${label} must be a positive integer`);
    return value;
  };
}

const program = new Command('simulate')
  .description('run the algorithm cores over a seeded faulty network and check their invariants')
  .addOption(new Option('--algorithm <name>', 'which algorithm, or all').choices([...ALGORITHMS, 'all']).default('all'))
  .addOption(new Option('--seeds <n>', 'how many seeds').argParser(positive('--seeds')).default(1000))
  .addOption(new Option('--first-seed <n>', 'the first seed').argParser(positive('--first-seed')).default(1))
  .addOption(new Option('--seed <n>', 'replay this one seed').argParser(positive('--seed')))
  .option('--no-faults', 'no delay variance, loss, duplication, partitions or crashes')
  .option('--trace', 'with --seed: print every step')
  .parse();

const options = program.opts<{
  algorithm: Algorithm | 'all';
  seeds: number;
  firstSeed: number;
  seed?: number;
  faults: boolean;
  trace?: boolean;
}>();
const algorithms = options.algorithm === 'all' ? [...ALGORITHMS] : [options.algorithm];
const first = options.seed ?? options.firstSeed;
const count = options.seed === undefined ? options.seeds : 1;
process.stdout.write(`seeds ${first}..${first + count - 1}, faults ${options.faults ? 'on' : 'off'}\n`);

let failures = 0;
const rows: string[] = [];
for (const algorithm of algorithms) {
  let violations = 0;
  let operations = 0;
  let messages = 0;
  const startedAt = performance.now();
  for (let seed = first; seed < first + count; seed += 1) {
    const trace =
      options.trace && options.seed !== undefined ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
    const result = run(algorithm, seed, options.faults, trace);
    operations += result.operations;
    messages += result.messages;
    if (result.violations.length > 0) {
      violations += 1;
      process.stdout.write(
        `${algorithm} FAILED, reproduce with --algorithm ${algorithm} --seed ${seed}: ${result.violations[0]}\n`,
      );
    }
  }
  failures += violations;
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  rows.push(
    [
      algorithm.padEnd(16),
      String(count).padStart(6),
      String(violations).padStart(10),
      String(operations).padStart(11),
      (messages / Math.max(1, operations)).toFixed(1).padStart(15),
      `${seconds} s`.padStart(8),
    ].join('  '),
  );
}
process.stdout.write(
  `\n${['algorithm'.padEnd(16), 'runs'.padStart(6), 'violations'.padStart(10), 'operations'.padStart(11), 'messages per op'.padStart(15), 'time'.padStart(8)].join('  ')}\n`,
);
process.stdout.write(`${rows.join('\n')}\n`);
process.exit(failures > 0 ? 1 : 0);
