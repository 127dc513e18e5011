import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { completionCommand } from './commands/completion';
import { simulateCommand } from './commands/simulate';
import { checkCommand } from './commands/check';
import { newCommand } from './commands/new';
import { uiCommand } from './commands/ui';
import { joinCommand } from './commands/join';
import { certsCommand } from './commands/certs';
import { addGlobalOptions } from './context';
import { addHelpAndUsage } from './help-examples';

/**
 * The distlab command: one entry point to every service of the lab. Each command talks to one server over gRPC with
 * the generated clients; `--json` prints protobuf JSON for scripts.
 */
export function buildProgram(): Command {
  // The package file is one directory up both from src/ (under tsx) and from .bundle/ (the compiled CLI).
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  const program = addGlobalOptions(
    new Command('distlab')
      .description('The classic distributed-computing lab as real gRPC services.')
      .version(version, '-V, --version', 'print the version of distlab')
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
  simulateCommand(program);
  checkCommand(program);
  newCommand(program);
  uiCommand(program);
  joinCommand(program);
  certsCommand(program);
  completionCommand(program);
  addHelpAndUsage(program);
  return program;
}
