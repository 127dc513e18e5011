import { writeFileSync } from 'node:fs';
import { Command, Argument } from 'commander';
import { renderTraceHtml } from '@distlab/trace';
import { action, CliContext } from '../context';
import { lamportDemo, vectorDemo } from '../demos/clock-demos';
import { DemoRun, type SystemAddresses } from '../demos/demo-kit';
import { bullyDemo, ringDemo } from '../demos/election-demos';
import { ricartAgrawalaDemo } from '../demos/mutex-demo';
import { isListening, OwnSystem } from '../demos/own-system';
import { factorialDemo, fencingDemo, inventoryDemo } from '../demos/service-demos';
import { berkeleyDemo, cristianDemo } from '../demos/time-demos';
import { parseInteger } from '@distlab/grpc-kit';
import { peerId, systemAddresses } from './peer-clients';

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
 * `distlab demo <name>`: one experiment of the lab against the running system (`distlab up`), or, when nothing
 * listens at the layout's peer, against a system it starts for the run (OwnSystem) and stops after it; with --registry,
 * against the cluster that registry names, on whatever machines it runs (nothing is started then). A demo acts,
 * tells what happened, and ends with PASS or FAIL from the invariant checkers applied to what really happened (the
 * peers' event logs, the true clock offsets, the leaders the peers name, the stored quantity). Exit code 1 on FAIL.
 */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run one experiment of the lab and check it (PASS/FAIL): against the running system, or one it starts and stops',
    )
    .addArgument(new Argument('<name>', 'the experiment').choices([...Object.keys(DEMOS), 'all']))
    .option('--peer <id>', 'the peer to ask for the members', peerId, 1)
    .option('--trace <file.html>', "write the demo's space-time diagram (with all: one file per demo, named after it)")
    .option('--peers <n>', 'peers of the system started when none is running', parseInteger('--peers', 2, 9), 5)
    .option('--workers <n>', 'factorial workers of that system', parseInteger('--workers', 1, 7), 2)
    .action(
      action(async (name: string, localOptions: Omit<DemoOptions, 'basePort'>, command: Command) => {
        // --base-port is global: `distlab demo all --base-port 51000` and `distlab --base-port 51000 demo all` alike.
        const options: DemoOptions = { ...localOptions, basePort: CliContext.of(command).options.basePort };
        const context = CliContext.of(command);
        const { json } = context;
        const say = (line: string) => {
          if (!json) process.stdout.write(`${line}\n`);
        };
        let own: OwnSystem | undefined;
        // A cluster elsewhere (--registry) is only used: one that does not answer is an error. On this machine, a
        // demo starts a system of its own when none answers.
        const addresses: SystemAddresses = await systemAddresses(context, options.peer);
        if (!context.hasRegistry && !(await isListening(addresses.peer))) {
          if (options.peer > options.peers)
            throw new Error(
              `no system runs, and the one a demo starts has no peer ${options.peer} (--peers ${options.peers})`,
            );
          say(
            `Nothing answers at ${addresses.peer}: starting a system for this demo (${options.peers} peers, ${options.workers} worker(s), the balancer, the inventory)…`,
          );
          own = await OwnSystem.start(options);
          say(`  up: ${own.size} processes on base port ${options.basePort}; their files in ${own.dir}`);
        }
        try {
          if (!(await runDemos(name, options, command, addresses))) process.exitCode = 1;
        } finally {
          if (own !== undefined) {
            await own.stop();
            say(`Stopped the demo's system; its event logs stay in ${own.eventsDir} (distlab trace --events-dir).`);
          }
        }
      }),
    );
}

interface DemoOptions {
  peer: number;
  basePort: number;
  trace?: string;
  peers: number;
  workers: number;
}

/** Runs the named demo (or all of them), each against the system at `addresses`; resolves true when all passed. */
async function runDemos(name: string, options: DemoOptions, command: Command, addresses: SystemAddresses) {
  // Bully kills the coordinator, so it runs last (the supervisor restarts it).
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
  return passed;
}
