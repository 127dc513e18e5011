import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { formatCheck, type CheckResult } from '@distlab/trace';
import { parseInteger, type ClientSettings } from '@distlab/grpc-kit';
import { startLiveView, type DemoVerdict, type LiveView, type ProcessControl } from '@distlab/live-view';
import { action, CliContext } from '../context';
import { isListening } from '../demos/own-system';
import type { Supervisor } from '../up/supervisor';
import { systemAddresses } from './peer-clients';

/** The live view's port in `distlab up`'s layout, unless --ui-port says otherwise: base + 30 (50080). */
export const uiPort = (basePort: number) => basePort + 30;

export interface UiOptions {
  uiPort?: number;
  uiHost: string;
  uiAllowRemote?: boolean;
}

/** Adds the live view's own flags to `distlab ui` and `distlab up`. */
export function addUiOptions(command: Command): Command {
  return command
    .option(
      '--ui-port <port>',
      "the live view's port (0: any free one; default: base port + 30)",
      parseInteger('--ui-port', 0, 65_535),
    )
    .option('--ui-host <host>', 'the interface the live view listens on', '127.0.0.1')
    .option('--ui-allow-remote', 'let the live view listen beyond loopback (it then answers any host name)');
}

/**
 * Starts the live view of the system laid out from `basePort`, and prints its address. With a supervisor (`distlab up
 * --ui`) the page can kill -9 and restart processes. Demos run as `distlab demo <name> --json` against the same
 * system, so the page shows the very verdict the command prints.
 */
export async function serveLiveView(
  command: Command,
  options: UiOptions & { basePort: number; peer: number },
  settings: ClientSettings,
  supervisor?: Supervisor,
): Promise<LiveView> {
  const context = CliContext.of(command);
  const addresses = await systemAddresses(context, options.peer);
  const view = await startLiveView({
    seedPeer: addresses.peer,
    balancer: addresses.balancer,
    factorial: addresses.balancer,
    inventory: addresses.inventory,
    clientSettings: settings,
    host: options.uiHost,
    port: options.uiPort ?? uiPort(options.basePort),
    allowRemote: options.uiAllowRemote,
    token: settings.token,
    demos: demoNames(command),
    runDemo: (name) => runDemo(name, options.basePort, options.peer, settings, context.options.registry),
    processes: supervisor === undefined ? undefined : processControl(supervisor),
    processNames: Object.fromEntries(supervisor?.processes.map(({ spec }) => [spec.address, spec.name]) ?? []),
  });
  process.stdout.write(`live view: ${view.url}\n`);
  return view;
}

/** The demos `distlab demo` offers (its argument's choices, minus "all"), read from the command tree itself. */
function demoNames(command: Command): string[] {
  const demo = command.parent?.commands.find((candidate) => candidate.name() === 'demo');
  return (demo?.registeredArguments[0]?.argChoices ?? []).filter((name) => name !== 'all');
}

function processControl(supervisor: Supervisor): ProcessControl {
  return {
    names: () => supervisor.processes.map((running) => running.spec.name),
    kill: async (name) =>
      supervisor.signal(name, 'SIGKILL')
        ? `${name} killed (SIGKILL); the supervisor restarts it`
        : `${name} is not running`,
    restart: async (name) =>
      supervisor.signal(name, 'SIGTERM')
        ? `${name} stopping (SIGTERM); the supervisor starts it again`
        : `${name} is not running`,
  };
}

/** Runs `distlab demo <name> --json` and reads its verdict: PASS or FAIL with each checker's words. */
function runDemo(
  name: string,
  basePort: number,
  peer: number,
  settings: ClientSettings,
  registry: string | undefined,
): Promise<DemoVerdict> {
  // The command itself, found from its package: this code runs from the sources or from the bundle in .bundle.
  const bin = join(dirname(require.resolve('@distlab/cli/package.json')), 'bin', 'distlab.js');
  const env: NodeJS.ProcessEnv = { ...process.env };
  // A cluster found through a registry is the demo's cluster too (and it never starts one of its own then).
  if (registry !== undefined) env['DISTLAB_REGISTRY'] = registry;
  if (settings.token !== undefined) env['DISTLAB_TOKEN'] = settings.token;
  if (settings.tls?.caFile !== undefined) env['DISTLAB_TLS_CA'] = settings.tls.caFile;
  const child = spawn(
    process.execPath,
    [bin, '--json', 'demo', name, '--base-port', String(basePort), '--peer', String(peer)],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve) => {
    child.on('exit', () => {
      const verdicts = out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { demo?: string; passed?: boolean; checks?: CheckResult[] })
        .filter((document) => document.demo !== undefined);
      const verdict = verdicts.at(-1);
      if (verdict === undefined)
        resolve({ passed: false, lines: [err.trim().slice(0, 2_000) || 'the demo gave no verdict'] });
      else
        resolve({ passed: verdict.passed === true, lines: (verdict.checks ?? []).map((check) => formatCheck(check)) });
    });
  });
}

/** `distlab ui`: the live view of the running system (`distlab up`), until Ctrl-C. */
export function uiCommand(program: Command): void {
  addUiOptions(
    program
      .command('ui')
      .description('serve the live view of the running system (distlab up) in the browser, on a loopback port')
      .option('--peer <id>', 'the peer to learn the members from', parseInteger('--peer', 1, 9), 1),
  ).action(
    action(async (localOptions: UiOptions & { peer: number }, command: Command) => {
      // --base-port is global: the layout of the running system, as given to distlab up.
      const context = CliContext.of(command);
      const options = { ...localOptions, basePort: context.options.basePort };
      // With --registry the peer is looked up there (an unknown one is an error); on this machine, a system that is
      // not up yet is found once it is.
      const seed = (await systemAddresses(context, options.peer)).peer;
      if (!(await isListening(seed)))
        process.stderr.write(
          `distlab ui: nothing answers at ${seed} yet; start the system (npx distlab up), and the view will find it\n`,
        );
      const view = await serveLiveView(command, options, CliContext.of(command).clientSettings());
      const stop = () => void view.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }),
  );
}
