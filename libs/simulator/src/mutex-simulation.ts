import { compareStamps } from '@distlab/clock';
import {
  RicartAgrawala,
  type MutexCoreFactory,
  type MutexInput,
  type MutexMessage,
  type MutexOutput,
} from '@distlab/mutex';
import { EventQueue } from './event-queue';
import { NO_FAULTS, SimNetwork, type NetworkFaults } from './network';
import { SeededRandom } from './random';
import { MAX_EVENTS_PER_RUN, type ReplayOptions, type SimulationResult } from './simulation-result';
import { entry } from './lookup';

export interface MutexSimulationOptions extends ReplayOptions {
  faults: boolean;
  /** Builds each process's core (a user's, or a planted bug); the reference `RicartAgrawala` by default. */
  makeCore?: MutexCoreFactory;
  /** Receives one line per step (input, output, fault), to read what a failing seed did. */
  trace?: (line: string) => void;
}

const HEAL_AT_MS = 1000;
const LIVENESS_LIMIT_MS = 60_000;

/**
 * Ricart–Agrawala under a seeded faulty network. Safety phase: processes request the critical section at random times
 * while messages are delayed, reordered, lost (and retransmitted) and duplicated, links are cut (one-way or both),
 * and a process may crash (ending its critical section) and restart under a new incarnation. At HEAL_AT_MS every link
 * is restored and every crashed process restarted; the liveness phase must then grant every remaining request.
 * Checked from outside the processes: never two holders at once; every request granted after the heal; without
 * faults, grants in (timestamp, id) order, fencing tokens increasing, and exactly 2(N − 1) messages per entry.
 */
export function simulateRicartAgrawala(seed: number, options: MutexSimulationOptions): SimulationResult {
  const random = new SeededRandom(seed);
  const queue = new EventQueue();
  const faults: NetworkFaults = options.faults
    ? {
        delayMinMs: 1,
        delayMaxMs: random.int(2, 40),
        lossRate: random.next() * 0.2,
        duplicateRate: random.next() * 0.1,
        retransmitAfterMs: 15,
      }
    : NO_FAULTS;
  const network = new SimNetwork(queue, random, faults);
  const ids = Array.from({ length: random.int(3, 6) }, (_, index) => index + 1);
  const entriesEach = random.int(2, 4);
  const make: MutexCoreFactory = options.makeCore ?? ((coreOptions) => new RicartAgrawala(coreOptions));
  const recorder = options.recorder;
  recorder?.attach(() => queue.nowMs);
  const violations: string[] = [];
  let steps = 0;
  let truncated = false;
  let violationStep: number | undefined;
  /** A safety violation, pinned to the step that caused it and marked on the diagram. */
  const violate = (peerId: number, incarnation: number, text: string) => {
    violations.push(text);
    violationStep ??= steps;
    // The first safety violation ends the run: it is the one reported, and a broken core may storm from there on.
    truncated = true;
    queue.clear();
    recorder?.local(peerId, incarnation, 'local', `✗ ${text}`);
  };
  const grants: Array<{ peerId: number; incarnation: number; timestamp: number; token: number; step: number }> = [];
  const holders = new Set<number>();
  let messages = 0;

  const nodes = new Map(
    ids.map((id) => [
      id,
      { core: make({ self: id, members: ids, incarnation: 1 }), incarnation: 1, remaining: entriesEach, alive: true },
    ]),
  );

  const trace = options.trace;
  const input = (id: number, value: MutexInput, messageId?: string) => {
    const node = entry(nodes, id);
    // After the run was cut short, what is still in flight arrives nowhere: the run is over.
    if (!node.alive || truncated) return;
    if (options.maxSteps !== undefined && steps >= options.maxSteps) {
      truncated = true;
      queue.clear();
      return;
    }
    steps += 1;
    if (value.kind === 'receive' && messageId !== undefined)
      recorder?.receive(id, node.incarnation, value.message.from, messageId, describeMessage(value.message));
    else if (value.kind !== 'receive') recorder?.local(id, node.incarnation, 'local', value.kind);
    let outputs: MutexOutput[];
    try {
      outputs = node.core.handle(value);
    } catch (error) {
      // A user's core that throws has a bug: report it as a violation of this step and end the run.
      violate(id, node.incarnation, `process ${id} threw on ${JSON.stringify(value)}: ${String(error)}`);
      truncated = true;
      queue.clear();
      return;
    }
    trace?.(`t=${queue.nowMs} ${id}#${node.incarnation} <- ${JSON.stringify(value)} -> ${JSON.stringify(outputs)}`);
    apply(id, node.incarnation, outputs);
  };

  const apply = (id: number, incarnation: number, outputs: MutexOutput[]) => {
    const node = entry(nodes, id);
    for (const output of outputs) {
      if (output.kind === 'send') {
        messages += 1;
        const { to, message } = output;
        const messageId = recorder?.send(id, incarnation, to, describeMessage(message));
        network.sendReliable(
          id,
          to,
          () => input(to, { kind: 'receive', message }, messageId),
          () => node.alive && node.incarnation === incarnation,
        );
      } else if (output.kind === 'entered') {
        holders.add(id);
        recorder?.local(id, incarnation, 'cs-enter', `enter (token ${output.fencingToken})`);
        if (holders.size > 1)
          violate(
            id,
            incarnation,
            `t=${queue.nowMs}: mutual exclusion violated: ${[...holders].join(' and ')} hold the critical section`,
          );
        grants.push({
          peerId: id,
          incarnation,
          timestamp: output.requestTimestamp,
          token: output.fencingToken,
          step: steps,
        });
        queue.after(random.int(1, 20), () => {
          if (node.alive && node.incarnation === incarnation && node.core.state === 'held')
            input(id, { kind: 'release' });
        });
      } else {
        recorder?.local(id, incarnation, 'cs-exit', `exit (token ${output.fencingToken})`);
        holders.delete(id);
        node.remaining -= 1;
        scheduleRequest(id, random.int(0, 50));
      }
    }
  };

  function scheduleRequest(id: number, delayMs: number): void {
    const node = entry(nodes, id);
    const incarnation = node.incarnation;
    queue.after(delayMs, () => {
      if (node.alive && node.incarnation === incarnation && node.remaining > 0 && node.core.state === 'released')
        input(id, { kind: 'acquire' });
    });
  }

  const crash = (id: number) => {
    const node = entry(nodes, id);
    if (!node.alive) return;
    trace?.(`t=${queue.nowMs} CRASH ${id}`);
    recorder?.local(id, node.incarnation, 'local', 'crash');
    node.alive = false;
    network.crashed.add(id);
    holders.delete(id); // A crash ends the critical section: the checker must not count a dead holder.
  };
  const restart = (id: number) => {
    const node = entry(nodes, id);
    if (node.alive) return;
    node.alive = true;
    node.incarnation += 1;
    trace?.(`t=${queue.nowMs} RESTART ${id} as incarnation ${node.incarnation}`);
    node.core = make({ self: id, members: ids, incarnation: node.incarnation });
    network.crashed.delete(id);
    for (const other of ids.filter((peerId) => peerId !== id)) {
      network.sendReliable(id, other, () =>
        input(other, { kind: 'member-restarted', peerId: id, incarnation: node.incarnation }),
      );
    }
    scheduleRequest(id, random.int(0, 50));
  };

  for (const id of ids) scheduleRequest(id, random.int(0, 200));
  if (options.faults) {
    if (random.chance(0.6)) {
      const shuffled = random.shuffle(ids);
      const cut = random.int(1, ids.length - 1);
      const startMs = random.int(50, 500);
      queue.at(startMs, () => network.partition(shuffled.slice(0, cut), shuffled.slice(cut), random.chance(0.3)));
    }
    if (random.chance(0.5)) {
      const victim = random.pick(ids);
      const crashMs = random.int(0, 700);
      queue.at(crashMs, () => crash(victim));
      queue.at(crashMs + random.int(20, 300), () => restart(victim));
    }
    queue.at(HEAL_AT_MS, () => {
      network.heal();
      ids.forEach(restart);
    });
  }

  const finished = queue.runUntil(HEAL_AT_MS + LIVENESS_LIMIT_MS, MAX_EVENTS_PER_RUN);
  // A run cut short (a replay of a prefix, or a core that threw) is judged on safety alone: the rest never happened.
  const complete = !truncated;
  /** A violation found at the end of the run, marked on the diagram at the end of the process it concerns. */
  const note = (peerId: number, text: string) => {
    violations.push(text);
    recorder?.local(peerId, entry(nodes, peerId).incarnation, 'local', `✗ ${text}`);
  };
  if (!finished) note(ids[0], `the run hit its cap of ${MAX_EVENTS_PER_RUN} events`);
  for (const [id, node] of complete ? nodes : []) {
    if (node.remaining > 0) {
      note(
        id,
        `liveness: process ${id} still has ${node.remaining} entries to make after the heal (${JSON.stringify(node.core.describe())})`,
      );
    }
  }
  if (!options.faults) {
    // An order or fencing violation is pinned to the grant that broke it, so a replay of that prefix shows it.
    const pin = (step: number) => (violationStep = Math.min(violationStep ?? step, step));
    for (let index = 1; index < grants.length; index += 1) {
      const [before, after] = [grants[index - 1], grants[index]];
      if (
        compareStamps(
          { time: before.timestamp, peerId: before.peerId },
          { time: after.timestamp, peerId: after.peerId },
        ) > 0
      ) {
        note(
          after.peerId,
          `order: (${after.timestamp}, ${after.peerId}) was granted after (${before.timestamp}, ${before.peerId})`,
        );
        pin(after.step);
      }
      if (after.token <= before.token) {
        note(after.peerId, `fencing: token ${after.token} after ${before.token}`);
        pin(after.step);
      }
    }
    if (complete && messages !== grants.length * 2 * (ids.length - 1)) {
      note(ids[0], `messages: ${messages} for ${grants.length} entries among ${ids.length}, not 2(N − 1) each`);
    }
  }
  return {
    algorithm: 'ricart-agrawala',
    seed,
    faults: options.faults,
    violations,
    operations: grants.length,
    messages,
    steps,
    violationStep,
  };
}

function describeMessage(message: MutexMessage): string {
  return message.kind === 'request'
    ? `request ts=${message.timestamp}`
    : `reply to ts=${message.requestTimestamp} (token ${message.fencingTokenSeen})`;
}
