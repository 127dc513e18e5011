import type { Command } from 'commander';
import { parseAdvertise, parseInteger } from '@distlab/grpc-kit';
import { CliContext } from '../context';
import { checkRegistry } from '../up/join-preflight';
import { planJoin, withCertsDir, type JoinOptions } from '../up/join-plan';
import { Supervisor } from '../up/supervisor';

/**
 * `distlab join`: one peer (or factorial worker) on this machine joins a cluster running elsewhere, through its
 * registry: a classroom where each student's laptop is a peer of the teacher's cluster. It runs until Ctrl-C, which
 * drains it and takes it out of the registry.
 */
export function joinCommand(program: Command): void {
  const join = program
    .command('join')
    .description(
      'start one peer (or --worker) on this machine that joins a running cluster through its registry ' +
        '(--registry host:port, required; with --tls-ca when the cluster is secured)',
    )
    .option('--id <n>', "this peer's id, unique in the cluster", parseInteger('--id', 1, 1_000_000))
    .option('--worker', 'join as a factorial worker instead of a peer')
    .option('--host <addr>', 'address to listen on', '0.0.0.0')
    .option(
      '--port <port>',
      'port to listen on (default: 50060 + id, or 50053 for a worker)',
      parseInteger('--port', 1, 65535),
    )
    .option(
      '--advertise <host[:port]>',
      "this machine's address as the cluster dials it (needed with --host 0.0.0.0)",
      parseAdvertise,
    )
    .option('--events-dir <dir>', 'where the peer appends its event log', '.distlab/events')
    .option('--state-dir <dir>', 'where the peer keeps its incarnation and fencing tokens', '.distlab/state')
    .option(
      '--clock-skew-ms <ms>',
      "set the peer's clock this far off on purpose, for `distlab time sync` (as distlab up spreads its peers' over ±500)",
      parseInteger('--clock-skew-ms', -3_600_000, 3_600_000),
    )
    .option(
      '--clock-drift-ppm <ppm>',
      "make the peer's clock run fast (or slow, negative) by this many parts per million",
      parseInteger('--clock-drift-ppm', -100_000, 100_000),
    )
    .option('--certs <dir>', 'ca.crt, token, server.crt and server.key from `distlab certs export` and `certs issue`')
    .option('--token-file <file>', "the cluster's token (from `distlab certs export`), when it is secured")
    .option('--tls-cert <file>', "this machine's certificate (from `distlab certs issue`), when it is secured")
    .option('--tls-key <file>', 'the key of --tls-cert')
    .action(async (local: Omit<JoinOptions, 'registry' | 'tlsCa'> & { certs?: string }, command: Command) => {
      // --registry and --tls-ca are global options (every command can reach a cluster through its registry), so
      // commander hands them to the program wherever they are written: they are read with the globals.
      const globals = CliContext.of(command).options;
      if (globals.registry === undefined)
        program.error("error: required option '--registry <host:port>' not specified: the cluster's balancer", {
          exitCode: 2,
        });
      const options = withCertsDir({ ...local, registry: globals.registry, tlsCa: globals.tlsCa });
      let spec;
      try {
        spec = planJoin(options);
      } catch (error) {
        program.error(`error: ${(error as Error).message}`, { exitCode: 2 });
      }
      const refusal = await checkRegistry(options.registry, options);
      if (refusal !== undefined) {
        process.stderr.write(`distlab join: ${refusal}\n`);
        process.exit(1);
      }
      const supervisor = new Supervisor(
        (line) => process.stdout.write(`${line}\n`),
        (name, code, signal) => process.stderr.write(`distlab join: ${name} exited unexpectedly (${signal ?? code})\n`),
        options.tlsCa === undefined ? {} : { tls: { caFile: options.tlsCa } },
      );
      let stopping: Promise<void> | undefined;
      const stop = (exitCode: number) => {
        stopping ??= supervisor.stopAll().then(() => process.exit(exitCode));
      };
      process.on('SIGINT', () => stop(0));
      process.on('SIGTERM', () => stop(0));
      try {
        await supervisor.start(spec);
      } catch (error) {
        process.stderr.write(`distlab join: ${(error as Error).message}\n`);
        stop(1);
        return;
      }
      process.stdout.write(`distlab join: ${spec.name} serves at ${spec.address} and joined ${options.registry}\n`);
    });
  // The global options it reads (--registry, --tls-ca, --token) belong in its help too.
  join.configureHelp({ showGlobalOptions: true });
}
