import { ElectionCore, type ElectionAlgorithm, type ElectionInput, type ElectionOutput } from '@distlab/election';
import { EventQueue } from './event-queue';
import { NO_FAULTS, SimNetwork, type NetworkFaults } from './network';
import { SeededRandom } from './random';
import { MAX_EVENTS_PER_RUN, type SimulationResult } from './simulation-result';
import { entry } from './lookup';

export interface ElectionSimulationOptions {
  algorithm: ElectionAlgorithm;
  faults: boolean;
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
 * Without faults, one election is started after the first agreement and its messages counted: Ring must use at most
 * 3N; Bully's count is reported.
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
  const make = (id: number) => new ElectionCore({ self: id, members: ids, algorithm: options.algorithm });
  const nodes = new Map(ids.map((id) => [id, { core: make(id), alive: true }]));

  const input = (id: number, value: ElectionInput) => {
    const node = entry(nodes, id);
    if (!node.alive) return;
    const outputs = node.core.handle(value);
    if (value.kind !== 'tick' || outputs.length > 0)
      options.trace?.(`t=${queue.nowMs} ${id} <- ${JSON.stringify(value)} -> ${JSON.stringify(outputs)}`);
    apply(id, outputs);
  };
  const apply = (id: number, outputs: ElectionOutput[]) => {
    for (const output of outputs) {
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
      network.sendOnce(
        id,
        to,
        () => input(to, { kind: 'receive', message, nowMs: localNow(to) }),
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
    entry(nodes, id).alive = false;
    network.crashed.add(id);
    options.trace?.(`t=${queue.nowMs} CRASH ${id}`);
  };
  const restart = (id: number) => {
    nodes.set(id, { core: make(id), alive: true });
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
      input(random.pick(ids), { kind: 'start', nowMs: 0 });
    });
  }

  const finished = queue.runUntil(HEAL_AT_MS + AGREEMENT_BOUND_MS, MAX_EVENTS_PER_RUN);
  if (!finished) violations.push(`the run hit its cap of ${MAX_EVENTS_PER_RUN} events`);
  const live = ids.filter((id) => entry(nodes, id).alive);
  const expected = Math.max(...live);
  const believed = live.map((id) => `${id}→${entry(nodes, id).core.describe().leader ?? 'none'}`);
  if (live.some((id) => entry(nodes, id).core.describe().leader !== expected)) {
    violations.push(
      `agreement: ${AGREEMENT_BOUND_MS} ms after the heal the live processes believe ${believed.join(' ')}, not all ${expected}`,
    );
  }
  if (!options.faults && options.algorithm === 'ring' && counted > 3 * ids.length) {
    violations.push(`messages: a ring election among ${ids.length} used ${counted}, more than 3N`);
  }
  // Without faults, the figures are those of the one counted election; with faults, of everything that happened.
  return {
    algorithm: options.algorithm,
    seed,
    faults: options.faults,
    violations,
    operations: options.faults ? elections : 1,
    messages: options.faults ? network.sent : counted,
  };
}
