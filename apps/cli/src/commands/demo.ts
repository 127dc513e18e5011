import { writeFileSync } from 'node:fs';
import { Command, Argument } from 'commander';
import { renderTraceHtml } from '@distlab/trace';
import { action } from '../context';
import { lamportDemo, vectorDemo } from '../demos/clock-demos';
import { DemoRun } from '../demos/demo-kit';
import { bullyDemo, ringDemo } from '../demos/election-demos';
import { ricartAgrawalaDemo } from '../demos/mutex-demo';
import { factorialDemo, fencingDemo, inventoryDemo } from '../demos/service-demos';
import { berkeleyDemo, cristianDemo } from '../demos/time-demos';
import { parseInteger } from '@distlab/grpc-kit';
import { peerId } from './peer-clients';
import { DEFAULT_BASE_PORT, layout } from './up';

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
  fencing: fencingDemo,
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
    .option(
      '--base-port <port>',
      "the running system's layout, as given to distlab up",
      parseInteger('--base-port', 1024, 65_000),
      DEFAULT_BASE_PORT,
    )
    .option('--trace <file.html>', "write the demo's space-time diagram (with all: one file per demo, named after it)")
    .action(
      action(async (name: string, options: { peer: number; basePort: number; trace?: string }, command: Command) => {
        const ports = layout(options.basePort, options.peer, 0);
        const addresses = {
          balancer: `127.0.0.1:${ports.balancer}`,
          inventory: `127.0.0.1:${ports.inventory}`,
          peer: `127.0.0.1:${ports.peers[options.peer - 1].port}`,
        };
        // Bully kills the coordinator, so it runs last (distlab up restarts it).
        const names = name === 'all' ? [...Object.keys(DEMOS).filter((demo) => demo !== 'bully'), 'bully'] : [name];
        let passed = true;
        for (const demo of names) {
          const run = await DemoRun.begin(command, addresses);
          try {
            await DEMOS[demo](run);
            if (options.trace !== undefined) {
              const file = names.length === 1 ? options.trace : options.trace.replace(/(\.html)?$/, `-${demo}.html`);
              writeFileSync(file, renderTraceHtml(await run.events(), `distlab demo ${demo}`));
              run.say(`space-time diagram: ${file}`);
            }
          } finally {
            passed = run.finish(demo) && passed;
          }
        }
        if (!passed) process.exitCode = 1;
      }),
    );
}
