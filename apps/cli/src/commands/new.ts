import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Argument, Command } from 'commander';
import { STARTERS_DIR } from '@distlab/simulator';
import { action } from '../context';

/** What each starter is for: its skeleton (in libs/simulator/starters) and the commands that check it. */
const STARTERS = {
  'mutex-core': {
    file: 'mutex-core.ts',
    checks: ['--algorithm ricart-agrawala', '--algorithm ricart-agrawala --explore'],
  },
  'election-core': { file: 'election-core.ts', checks: ['--algorithm bully', '--algorithm ring'] },
  'clock-core': {
    file: 'clock-core.ts',
    checks: ['--algorithm lamport', '--algorithm vector', '--algorithm berkeley'],
  },
} as const;
type StarterKind = keyof typeof STARTERS;

/**
 * `distlab new`: writes the skeleton of a core a student fills in. The skeleton compiles against the documented
 * interface, says in TODO comments what to fill in, and fails the simulator's checks until it is done.
 */
export function newCommand(program: Command): void {
  program
    .command('new')
    .description('write the skeleton of your own core (mutex, election or clocks) to fill in and check')
    .addArgument(new Argument('<kind>', 'which core').choices(Object.keys(STARTERS)))
    .argument('<file>', 'where to write it (a .ts file; it is never overwritten)')
    .action(
      action(async (kind: StarterKind, file: string) => {
        if (existsSync(file)) throw new Error(`${file} exists already: give another name, or remove it first`);
        const starter = STARTERS[kind];
        const source = readFileSync(join(STARTERS_DIR, starter.file), 'utf8').replaceAll('THIS_FILE', file);
        writeFileSync(file, source);
        process.stdout.write(`wrote ${file}: fill in its TODOs, then check it with\n`);
        for (const check of starter.checks) process.stdout.write(`  distlab simulate ${check} --core ${file}\n`);
      }),
    );
}
