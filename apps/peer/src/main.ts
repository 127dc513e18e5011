import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { parseAdvertise, parseInteger, peerPort, runServerProcess } from '@distlab/grpc-kit';
import { EVENTS_FILE_MAX_BYTES_DEFAULT, EVENTS_IN_MEMORY_DEFAULT } from './messaging';
import { loadElectionCore, loadMutexCore } from '@distlab/simulator';
import { startPeer } from './peer-server';

/** Parses "2=127.0.0.1:50062,3=127.0.0.1:50063". */
function parsePeers(value: string): Map<number, string> {
  const peers = new Map<number, string>();
  for (const entry of value.split(',').filter((part) => part.trim() !== '')) {
    const match = /^\s*(\d+)=([^\s,]+:\d+)\s*$/.exec(entry);
    if (match === null) throw new InvalidArgumentError(`--peers entries are id=host:port, got "${entry}"`);
    peers.set(Number(match[1]), match[2]);
  }
  return peers;
}

/** A probability, 0 to 1. */
function parseProbability(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !(parsed >= 0 && parsed <= 1))
      throw new InvalidArgumentError(`${flag} must be a probability from 0 to 1, got "${value}"`);
    return parsed;
  };
}

/** A number within ±limit (fractions allowed). */
function parseNumber(flag: string, limit: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || Math.abs(parsed) > limit)
      throw new InvalidArgumentError(`${flag} must be a number within ±${limit}, got "${value}"`);
    return parsed;
  };
}

void runServerProcess({
  name: 'peer',
  description: 'One process of a distlab cluster: clocks, time sync, mutual exclusion, election, greeter and chat.',
  defaultPort: peerPort(1),
  configure: (command) =>
    command
      .addOption(
        new Option('--id <id>', "this peer's id, a positive integer")
          .env('DISTLAB_PEER_ID')
          .default(1)
          .argParser(parseInteger('--id', 1, 1_000_000)),
      )
      .addOption(
        new Option(
          '--registry <host:port>',
          'register as "peer-<id>" (and a GreeterService endpoint); discover the other peers there',
        ).env('DISTLAB_REGISTRY'),
      )
      .addOption(
        new Option(
          '--advertise <host[:port]>',
          'the address to register and announce, as other machines dial it (default: the listening address)',
        )
          .env('DISTLAB_ADVERTISE')
          .argParser(parseAdvertise),
      )
      .addOption(
        new Option(
          '--peers <list>',
          'the other peers: id=host:port,id=host:port (with --registry, more are discovered)',
        )
          .env('DISTLAB_PEERS')
          .argParser(parsePeers),
      )
      .addOption(
        new Option('--events-dir <dir>', 'append the event log to <dir>/peer-<id>.jsonl')
          .env('DISTLAB_EVENTS_DIR')
          .default('.distlab/events'),
      )
      .addOption(
        new Option('--events-in-memory <n>', 'the newest events kept for ListEvents and WatchEvents (the file has all)')
          .env('DISTLAB_EVENTS_IN_MEMORY')
          .default(EVENTS_IN_MEMORY_DEFAULT)
          .argParser(parseInteger('--events-in-memory', 1_000, 10_000_000)),
      )
      .addOption(
        new Option(
          '--events-file-max-mb <n>',
          'rotate the event-log file at this size: it becomes peer-<id>.1.jsonl and a new one starts',
        )
          .env('DISTLAB_EVENTS_FILE_MAX_MB')
          .default(EVENTS_FILE_MAX_BYTES_DEFAULT / 1024 / 1024)
          .argParser(parseInteger('--events-file-max-mb', 1, 100_000)),
      )
      .addOption(
        new Option('--state-dir <dir>', 'keep the incarnation and largest fencing token in <dir>/peer-<id>.json')
          .env('DISTLAB_STATE_DIR')
          .default('.distlab/state'),
      )
      .addOption(
        new Option('--clock-skew-ms <ms>', "the virtual clock's offset from system time at start")
          .env('DISTLAB_CLOCK_SKEW_MS')
          .default(0)
          .argParser(parseNumber('--clock-skew-ms', 3_600_000)),
      )
      .addOption(
        new Option('--clock-drift-ppm <ppm>', "the virtual clock's rate error, parts per million")
          .env('DISTLAB_CLOCK_DRIFT_PPM')
          .default(0)
          .argParser(parseNumber('--clock-drift-ppm', 100_000)),
      )
      .addOption(
        new Option('--fault-drop <p>', 'lose each outgoing peer message with probability p (0 to 1)')
          .env('DISTLAB_FAULT_DROP')
          .default(0)
          .argParser(parseProbability('--fault-drop')),
      )
      .addOption(
        new Option('--fault-duplicate <p>', 'send each outgoing peer message twice with probability p (0 to 1)')
          .env('DISTLAB_FAULT_DUPLICATE')
          .default(0)
          .argParser(parseProbability('--fault-duplicate')),
      )
      .addOption(
        new Option('--fault-delay-ms <ms>', 'delay each outgoing peer message')
          .env('DISTLAB_FAULT_DELAY_MS')
          .default(0)
          .argParser(parseInteger('--fault-delay-ms', 0, 60_000)),
      )
      .addOption(
        new Option('--fault-jitter-ms <ms>', 'add a random delay up to this to each outgoing peer message')
          .env('DISTLAB_FAULT_JITTER_MS')
          .default(0)
          .argParser(parseInteger('--fault-jitter-ms', 0, 60_000)),
      )
      .addOption(
        new Option('--election-algorithm <name>', 'the algorithm of elections the failure detector starts')
          .env('DISTLAB_ELECTION_ALGORITHM')
          .choices(['bully', 'ring'])
          .default('bully'),
      )
      .addOption(
        new Option(
          '--mutex-transport <name>',
          'how Ricart–Agrawala messages travel: one Exchange stream per peer, or a unary Request/Reply call each',
        )
          .env('DISTLAB_MUTEX_TRANSPORT')
          .choices(['stream', 'unary'])
          .default('stream'),
      )
      .addOption(
        new Option(
          '--mutex-core <file>',
          'drive your own Ricart–Agrawala core (a .ts or .js module exporting createMutexCore; see distlab new)',
        ).env('DISTLAB_MUTEX_CORE'),
      )
      .addOption(
        new Option(
          '--election-core <file>',
          'drive your own election core (a .ts or .js module exporting createElectionCore; see distlab new)',
        ).env('DISTLAB_ELECTION_CORE'),
      ),
  start: ({ config, options, logger }) =>
    startPeer({
      id: options['id'] as number,
      server: config,
      logger: logger.child({ peerId: options['id'] }),
      registry: options['registry'] as string | undefined,
      advertise: options['advertise'] as string | undefined,
      peers: (options['peers'] as Map<number, string> | undefined) ?? new Map(),
      eventsFile: join(resolve(options['eventsDir'] as string), `peer-${options['id'] as number}.jsonl`),
      eventsInMemory: options['eventsInMemory'] as number,
      eventsFileMaxBytes: (options['eventsFileMaxMb'] as number) * 1024 * 1024,
      stateDir: resolve(options['stateDir'] as string),
      clockSkewMs: options['clockSkewMs'] as number,
      clockDriftPpm: options['clockDriftPpm'] as number,
      electionAlgorithm: options['electionAlgorithm'] as 'bully' | 'ring',
      mutexTransport: options['mutexTransport'] as 'stream' | 'unary',
      // Loaded and checked against its interface before the server starts: a broken module stops the peer at once,
      // saying what is wrong with it.
      mutexCore: options['mutexCore'] === undefined ? undefined : loadMutexCore(options['mutexCore'] as string),
      electionCore:
        options['electionCore'] === undefined ? undefined : loadElectionCore(options['electionCore'] as string),
      faults: {
        blocked: false,
        hang: false,
        dropProbability: options['faultDrop'] as number,
        duplicateProbability: options['faultDuplicate'] as number,
        delayMs: options['faultDelayMs'] as number,
        jitterMs: options['faultJitterMs'] as number,
      },
    }),
});
