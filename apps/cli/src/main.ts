import { Command } from 'commander';
import { chaosCommands } from './commands/chaos';
import { chatCommand } from './commands/chat';
import { greeterCommands } from './commands/greeter';
import { clockCommands } from './commands/clock';
import { clusterCommands } from './commands/cluster';
import { demoCommand } from './commands/demo';
import { traceCommand } from './commands/trace';
import { electionCommands } from './commands/election';
import { mutexCommands } from './commands/mutex';
import { timeCommands } from './commands/time';
import { factorialCommand } from './commands/factorial';
import { healthCommand } from './commands/health';
import { registryCommand } from './commands/registry';
import { inventoryCommand } from './commands/inventory';
import { upCommand } from './commands/up';
import { joinCommand } from './commands/join';
import { certsCommand } from './commands/certs';
import { addGlobalOptions } from './context';

/**
 * The distlab command: one entry point to every service of the lab. Each command talks to one server over gRPC with
 * the generated clients; `--json` prints protobuf JSON for scripts.
 */
export function buildProgram(): Command {
  const program = addGlobalOptions(
    new Command('distlab')
      .description('The classic distributed-computing lab as real gRPC services.')
      .showHelpAfterError('(add --help for usage)')
      .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2)),
  );
  healthCommand(program);
  greeterCommands(program);
  chatCommand(program);
  inventoryCommand(program);
  factorialCommand(program);
  registryCommand(program);
  clockCommands(program);
  timeCommands(program);
  mutexCommands(program);
  electionCommands(program);
  clusterCommands(program);
  chaosCommands(program);
  demoCommand(program);
  traceCommand(program);
  upCommand(program);
  joinCommand(program);
  certsCommand(program);
  return program;
}

// bin/distlab.js starts this process with an IPC channel to itself for one reason: if the launcher dies, however it
// died (kill -9 included), the channel closes and this process is told to stop (SIGTERM, so `distlab up` stops its
// children cleanly) instead of living on as an orphan, holding a lock session or a chat room. The channel is unref'd:
// it must not keep a finished command alive.
if (process.channel !== undefined) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

buildProgram().parseAsync(process.argv);
