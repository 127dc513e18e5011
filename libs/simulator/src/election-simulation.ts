import {
  ElectionCore,
  type ElectionAlgorithm,
  type ElectionInput,
  type ElectionOutput,
  type LeaderElectionCoreFactory,
} from '@distlab/election';
import { EventQueue } from './event-queue';
import { NO_FAULTS, SimNetwork, type NetworkFaults } from './network';
import { SeededRandom } from './random';
import { MAX_EVENTS_PER_RUN, type ReplayOptions, type SimulationResult } from './simulation-result';
import { entry } from './lookup';

export interface ElectionSimulationOptions extends ReplayOptions {
  algorithm: ElectionAlgorithm;
  faults: boolean;
  /** Builds each process's core (a user's, or a planted bug); the reference `ElectionCore` by default. */
  makeCore?: LeaderElectionCoreFactory;
  trace?: (line: string) => void;
}

const HEAL_AT_MS = 2000;
const AGREEMENT_BOUND_MS = 5000;
const TICK_EVERY_MS = 5;
const RPC_TIMEOUT_MS = 50;
const ELECTION_KINDS = new Set(['election', 'answer', 'coordinator', 'ring-election', 'ring-coordinator']);

/**
 * Bully or Ring under a seeded faulty network, with a skewed and drifting clock per process (each core sees only its
 * own clock). Safety phase: messages are delayed and lost (a lost or blocked message fails back to its sender, as an
 * RPC would), links are cut, processes crash and some restart. At HEAL_AT_MS the links are restored. Checked from
 * outside: within AGREEMENT_BOUND_MS after the heal, every live process follows the same leader, the highest live id.
 * Without faults, every leader ever announced must be the highest id (no process is down, so no lower one may win),
 * and one election is started after the first agreement and its messages counted: Ring must use at most 3N; Bully's
 * count is reported.
 */
export function simulateElection(seed: number, options: ElectionSimulationOptions): SimulationResult {
  const random = new SeededRandom(seed);
  const queue = new EventQueue();
  const faults: NetworkFaults = options.faults
    ? {
        delayMinMs: 1,
        delayMaxMs: random.int(2, 30),
        lossRate: random.next() * 0.1,
        duplicateRate: 0,
        retransmitAfterMs: 10,
      }
    : NO_FAULTS;
  const network = new SimNetwork(queue, random, faults);
  const ids = Array.from({ length: random.int(3, 8) }, (_, index) => index + 1);
  const clocks = new Map(
    ids.map((id) => [id, { skewMs: random.int(-1000, 1000), drift: (random.next() - 0.5) * 2e-4 }]),
  );
  const localNow = (id: number) =>
    Math.floor(queue.nowMs * (1 + entry(clocks, id).drift) + entry(clocks, id).skewMs + 10_000);
  const violations: string[] = [];
  let counting = false;
  let countingTerm = 0;
  let counted = 0;
  let elections = 0;
  const factory: LeaderElectionCoreFactory = options.makeCore ?? ((coreOptions) => new ElectionCore(coreOptions));
  const make = (id: number) => factory({ self: id, members: ids, algorithm: options.algorithm });
  const nodes = new Map(ids.map((id) => [id, { core: make(id), alive: true, incarnation: 1 }]));
  const recorder = options.recorder;
  recorder?.attach(() => queue.nowMs);
  const highest = Math.max(...ids);
  let steps = 0;
  let truncated = false;
  let violationStep: number | undefined;
  const violate = (id: number, text: string) => {
    violations.push(text);
    violationStep ??= steps;
    // The first safety violation ends the run: it is the one reported, and a broken core may storm from there on.
    truncated = true;
    queue.clear();
    recorder?.local(id, entry(nodes, id).incarnation, 'local', `✗ ${text}`);
  };

  const input = (id: number, value: ElectionInput, messageId?: string) => {
    const node = entry(nodes, id);
    if (!node.alive || truncated) return;
    if (options.maxSteps !== undefined && steps >= options.maxSteps) {
      truncated = true;
      queue.clear();
      return;
    }
    let outputs: ElectionOutput[];
    try {
      outputs = node.core.handle(value);
    } catch (error) {
      violate(id, `process ${id} threw on ${JSON.stringify(value)}: ${String(error)}`);
      truncated = true;
      queue.clear();
      return;
    }
    // Ticks that change nothing are not steps: they would drown the diagram and the prefix count.
    if (value.kind === 'tick' && outputs.length === 0) return;
    steps += 1;
    if (value.kind === 'receive' && messageId !== undefined)
      recorder?.receive(id, node.incarnation, value.message.from, messageId, value.message.kind);
    else if (value.kind !== 'receive') recorder?.local(id, node.incarnation, 'local', describeInput(value));
    options.trace?.(`t=${queue.nowMs} ${id} <- ${JSON.stringify(value)} -> ${JSON.stringify(outputs)}`);
    apply(id, outputs);
  };
  const apply = (id: number, outputs: ElectionOutput[]) => {
    const incarnation = entry(nodes, id).incarnation;
    for (const output of outputs) {
      if (output.kind === 'leader-changed') {
        recorder?.local(id, incarnation, 'leader-changed', `leader is ${output.leader} (term ${output.term})`);
        if (!options.faults && output.leader !== highest)
          violate(
            id,
            `t=${queue.nowMs}: leader: process ${id} follows ${output.leader}, not ${highest}, with every process up`,
          );
      }
      if (output.kind === 'election-started') {
        elections += 1;
        if (counting && countingTerm === 0) countingTerm = output.term;
      }
      // Stop counting once every process follows the leader of the counted election: later messages are upkeep.
      if (
        counting &&
        countingTerm > 0 &&
        ids.every((peerId) => entry(nodes, peerId).core.describe().term >= countingTerm)
      )
        counting = false;
      if (output.kind !== 'send') continue;
      const { to, message } = output;
      if (counting && ELECTION_KINDS.has(message.kind)) counted += 1;
      const messageId = recorder?.send(id, incarnation, to, message.kind);
      network.sendOnce(
        id,
        to,
        () => input(to, { kind: 'receive', message, nowMs: localNow(to) }, messageId),
        () => input(id, { kind: 'send-failed', to, message, nowMs: localNow(id) }),
        RPC_TIMEOUT_MS,
      );
    }
  };
  const tickAll = () => {
    for (const id of ids) input(id, { kind: 'tick', nowMs: localNow(id) });
    queue.after(TICK_EVERY_MS, tickAll);
  };
  const crash = (id: number) => {
    recorder?.local(id, entry(nodes, id).incarnation, 'local', 'crash');
    entry(nodes, id).alive = false;
    network.crashed.add(id);
    options.trace?.(`t=${queue.nowMs} CRASH ${id}`);
  };
  const restart = (id: number) => {
    nodes.set(id, { core: make(id), alive: true, incarnation: entry(nodes, id).incarnation + 1 });
    network.crashed.delete(id);
    options.trace?.(`t=${queue.nowMs} RESTART ${id}`);
  };

  queue.at(0, tickAll);
  if (options.faults) {
    for (const victim of random.shuffle(ids).slice(0, random.int(0, Math.floor(ids.length / 2)))) {
      const crashMs = random.int(0, 1500);
      queue.at(crashMs, () => crash(victim));
      if (random.chance(0.5)) queue.at(crashMs + random.int(50, 400), () => restart(victim));
    }
    if (random.chance(0.6)) {
      const shuffled = random.shuffle(ids);
      const cut = random.int(1, ids.length - 1);
      queue.at(random.int(100, 1200), () =>
        network.partition(shuffled.slice(0, cut), shuffled.slice(cut), random.chance(0.3)),
      );
    }
    queue.at(HEAL_AT_MS, () => network.heal());
  } else {
    queue.at(HEAL_AT_MS, () => {
      counting = true;
      // The start comes at the starter's own time: at time 0 its answer deadline would long have passed.
      const starter = random.pick(ids);
      input(starter, { kind: 'start', nowMs: localNow(starter) });
    });
  }

  const finished = queue.runUntil(HEAL_AT_MS + AGREEMENT_BOUND_MS, MAX_EVENTS_PER_RUN);
  /** A violation found at the end of the run, marked on the diagram at the end of the process it concerns. */
  const note = (id: number, text: string) => {
    violations.push(text);
    recorder?.local(id, entry(nodes, id).incarnation, 'local', `✗ ${text}`);
  };
  if (!finished) note(ids[0], `the run hit its cap of ${MAX_EVENTS_PER_RUN} events`);
  const live = ids.filter((id) => entry(nodes, id).alive);
  const expected = Math.max(...live);
  const believed = live.map((id) => `${id}→${entry(nodes, id).core.describe().leader ?? 'none'}`);
  const astray = live.find((id) => entry(nodes, id).core.describe().leader !== expected);
  if (!truncated && astray !== undefined) {
    note(
      astray,
      `agreement: ${AGREEMENT_BOUND_MS} ms after the heal the live processes believe ${believed.join(' ')}, not all ${expected}`,
    );
  }
  if (!options.faults && options.algorithm === 'ring' && counted > 3 * ids.length) {
    note(ids[0], `messages: a ring election among ${ids.length} used ${counted}, more than 3N`);
  }
  // Without faults, the figures are those of the one counted election; with faults, of everything that happened.
  return {
    algorithm: options.algorithm,
    seed,
    faults: options.faults,
    violations,
    operations: options.faults ? elections : 1,
    messages: options.faults ? network.sent : counted,
    steps,
    violationStep,
  };
}

function describeInput(value: Exclude<ElectionInput, { kind: 'receive' }>): string {
  if (value.kind === 'send-failed') return `send-failed ${value.message.kind} to ${value.to}`;
  return value.kind;
}
