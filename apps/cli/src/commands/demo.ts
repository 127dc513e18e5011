import { Command, Argument } from 'commander';
import { action } from '../context';
import { lamportDemo, vectorDemo } from '../demos/clock-demos';
import { DemoRun } from '../demos/demo-kit';
import { bullyDemo, ringDemo } from '../demos/election-demos';
import { ricartAgrawalaDemo } from '../demos/mutex-demo';
import { factorialDemo, inventoryDemo } from '../demos/service-demos';
import { berkeleyDemo, cristianDemo } from '../demos/time-demos';
import { peerId } from './peer-clients';

const DEMOS: Record<string, (run: DemoRun) => Promise<void>> = {
  lamport: lamportDemo,
  vector: vectorDemo,
  'ricart-agrawala': ricartAgrawalaDemo,
  cristian: cristianDemo,
  berkeley: berkeleyDemo,
  bully: bullyDemo,
  ring: ringDemo,
  factorial: factorialDemo,
  inventory: inventoryDemo,
};

/**
 * `distlab demo <name>`: one experiment of the lab against the running system (`distlab up`): it acts, tells what
 * happened, and ends with PASS or FAIL from the invariant checkers applied to what really happened (the peers' event
 * logs, the true clock offsets, the leaders the peers name, the stored quantity). Exit code 1 on FAIL.
 */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('run one experiment of the lab against the running system and check it (PASS/FAIL)')
    .addArgument(new Argument('<name>', 'the experiment').choices([...Object.keys(DEMOS), 'all']))
    .option('--peer <id>', 'the peer to ask for the members', peerId, 1)
    .action(
      action(async (name: string, options: { peer: number }, command: Command) => {
        // Bully kills the coordinator, so it runs last (distlab up restarts it).
        const names = name === 'all' ? [...Object.keys(DEMOS).filter((demo) => demo !== 'bully'), 'bully'] : [name];
        let passed = true;
        for (const demo of names) {
          const run = await DemoRun.begin(command, options.peer);
          try {
            await DEMOS[demo](run);
          } finally {
            passed = run.finish(demo) && passed;
          }
        }
        if (!passed) process.exitCode = 1;
      }),
    );
}
