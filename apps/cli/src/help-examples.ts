import type { Command } from 'commander';

/**
 * Examples for each command's help, by the command's path. kubectl and etcdctl users look for them first; a test
 * checks that every command of the tree has some, so a new command cannot ship without.
 */
export const EXAMPLES: Record<string, string[]> = {
  distlab: [
    'npm start                                   # the whole system, in one terminal',
    'distlab hello --name Ada                    # then, in another',
    'distlab factorial 20',
    'distlab --base-port 51000 registry list     # a system started with distlab up --base-port 51000',
    'distlab completion bash > ~/.distlab-completion.bash',
  ],
  health: ['distlab health', 'distlab health 127.0.0.1:50051', 'distlab health --service distlab.chat.v1.ChatService'],
  hello: ['distlab hello --name Ada', 'distlab hello --name Ada --lookup peer-2', 'distlab --json hello --name Ada'],
  object: ['distlab object --name gadget --value 42 --tag blue --attr size=L'],
  chat: ['distlab chat --room lab --user ada', 'echo "hello" | distlab chat --room lab --user bob --script'],
  inventory: ['distlab inventory                           # the interactive menu'],
  'inventory add': ['distlab inventory add --name apple --quantity 5'],
  'inventory get': ['distlab inventory get 1'],
  'inventory update': ['distlab inventory update 1 --quantity 7 --expected-version 1'],
  'inventory adjust': ['distlab inventory adjust 1 --delta -2'],
  'inventory delete': ['distlab inventory delete 1'],
  'inventory list': ['distlab inventory list --all', 'distlab --json inventory list --page-size 10'],
  factorial: ['distlab factorial 20', 'distlab factorial 100000 > digits.txt', 'distlab factorial 1000000 --stream'],
  registry: ['distlab registry list', 'distlab registry lookup peer-2'],
  'registry list': ['distlab registry list', 'distlab registry list --prefix peer-'],
  'registry lookup': [
    'distlab registry lookup peer-2',
    'distlab registry lookup distlab.factorial.v1.FactorialService',
  ],
  clock: ['distlab clock show --peer 2', 'distlab clock send --from 1 --to 2'],
  'clock show': ['distlab clock show --peer 2'],
  'clock event': ['distlab clock event --peer 1 --label "wrote the file"'],
  'clock send': ['distlab clock send --from 1 --to 3 --payload hi'],
  events: ['distlab events --peer 2', 'distlab events --peer 2 --algorithm ricart-agrawala --follow'],
  time: ['distlab time show', 'distlab time sync --algorithm berkeley'],
  'time show': ['distlab time show'],
  'time sync': ['distlab time sync --algorithm cristian --peer 2', 'distlab time sync --algorithm berkeley --peer 1'],
  mutex: ['distlab mutex acquire --peer 2 --hold 2s', 'distlab mutex state'],
  'mutex acquire': ['distlab mutex acquire --peer 2 --hold 2s      # and at once on another --peer'],
  'mutex state': ['distlab mutex state', 'distlab mutex state --peer 3'],
  election: ['distlab election leader', 'distlab election start --algorithm ring --peer 2'],
  'election leader': ['distlab election leader'],
  'election start': ['distlab election start --algorithm bully --peer 1'],
  cluster: ['distlab cluster members', 'distlab cluster remove 5'],
  'cluster members': ['distlab cluster members --peer 2'],
  'cluster remove': ['distlab cluster remove 5                    # once peer 5 is dead'],
  'cluster add': ['distlab cluster add 5'],
  chaos: ['distlab chaos partition 1,2 3,4,5', 'distlab chaos heal'],
  'chaos partition': ['distlab chaos partition 1,2 3,4,5', 'distlab chaos partition 1 2,3,4,5 --one-way'],
  'chaos delay': ['distlab chaos delay --ms 200 --jitter 50', 'distlab chaos delay --ms 500 --from 1 --to 2'],
  'chaos drop': ['distlab chaos drop --probability 0.3'],
  'chaos duplicate': ['distlab chaos duplicate --probability 0.2'],
  'chaos pause': ['distlab chaos pause 5 --for 2s'],
  'chaos resume': ['distlab chaos resume 5'],
  'chaos heal': ['distlab chaos heal'],
  'chaos show': ['distlab chaos show'],
  demo: ['distlab demo ricart-agrawala', 'distlab demo all', 'distlab demo bully --trace bully.html'],
  simulate: [
    'distlab simulate --algorithm ricart-agrawala --seeds 500          # the reference core',
    'distlab simulate --algorithm ricart-agrawala --core ./my-ra.ts --seeds 500 --trace out.html',
    'distlab simulate --algorithm ricart-agrawala --core ./my-ra.ts --explore   # every delivery order, 3 processes',
    'distlab simulate --algorithm bully --core ./my-bully.ts --seed 42          # replay one seed',
  ],
  check: [
    'distlab check                                # the logs of npm start',
    'distlab check --events-dir ./my-logs',
  ],
  new: [
    'distlab new mutex-core my-ra.ts              # a skeleton to fill in; then distlab simulate --core my-ra.ts',
    'distlab new election-core my-bully.ts',
    'distlab new clock-core my-clocks.ts',
  ],
  ui: ['distlab up --ui                              # the system and its live view', 'distlab ui --ui-port 8080'],
  join: [
    'distlab join --registry 192.168.1.10:50051 --id 7 --advertise 192.168.1.23:50061',
    'distlab join --registry teacher:50051 --id 7 --certs ./cluster-certs     # a secured cluster',
    'distlab join --registry teacher:50051 --worker --host 192.168.1.23',
  ],
  certs: ['distlab certs issue --host 192.168.1.23 --out ./laptop', 'distlab certs export --out ./cluster-certs'],
  'certs issue': ['distlab certs issue --host 192.168.1.23 --host laptop.local --out ./laptop'],
  'certs export': [
    'distlab certs export --out laptop-7   # then copy laptop-7/ there: distlab join --certs laptop-7 …',
  ],
  trace: ['distlab trace --out trace.html', 'distlab trace --live --algorithm bully --shiviz run.log'],
  up: [
    'distlab up',
    'distlab up --peers 3 --workers 1',
    'distlab up --base-port 51000 --secure',
    'distlab up --mutex-core ./my-ra.ts     # the peers drive your core; then: distlab demo ricart-agrawala',
  ],
  completion: [
    'distlab completion bash > ~/.distlab-completion.bash && echo "source ~/.distlab-completion.bash" >> ~/.bashrc',
    'distlab completion zsh > "${fpath[1]}/_distlab"',
  ],
};

/** The command's path from the root, e.g. "inventory add" ("distlab" for the root itself). */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent) names.unshift(current.name());
  return names.length === 0 ? command.name() : names.join(' ');
}

/** Every command of the tree, the root first, commander's own `help` commands left out. */
export function everyCommand(root: Command): Command[] {
  return [root, ...root.commands.filter((command) => command.name() !== 'help').flatMap(everyCommand)];
}

/**
 * Adds each command's examples to its help and makes its usage errors say what the command expects: commander prints
 * the error's one line, then this usage line (exit code 2, set at the root).
 */
export function addHelpAndUsage(root: Command): void {
  for (const command of everyCommand(root)) {
    const path = commandPath(command);
    const examples = EXAMPLES[path];
    if (examples !== undefined) {
      command.addHelpText('after', `\nExamples:\n${examples.map((line) => `  $ ${line}`).join('\n')}\n`);
    }
    const fullName = path === root.name() ? path : `${root.name()} ${path}`;
    command.showHelpAfterError(`usage: ${fullName} ${command.usage()}   (${fullName} --help for examples)`);
  }
}
