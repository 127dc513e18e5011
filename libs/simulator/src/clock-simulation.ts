import {
  berkeleyRound,
  compareVectors,
  EMPTY_VECTOR,
  formatVector,
  incrementVector,
  LamportClock,
  receiveVector,
  type BerkeleyAverager,
  type BerkeleyReading,
  type LamportClockCore,
  type VectorClock,
  type VectorClockRules,
} from '@distlab/clock';
import { EventQueue } from './event-queue';
import type { RunRecorder } from './run-recorder';
import { NO_FAULTS, SimNetwork } from './network';
import { SeededRandom } from './random';
import type { SimulationResult } from './simulation-result';
import { entry } from './lookup';

interface LoggedEvent {
  process: number;
  lamport: number;
  vector: VectorClock;
  /** Indexes of the events that directly precede this one: the previous event of its process, and its send. */
  causes: number[];
}

/**
 * Lamport and vector clocks under a random workload (local events, sends and receives over a network that delays,
 * reorders and duplicates). The checker computes happened-before from the event graph itself (process order plus
 * send → receive, transitively), not from any clock, and checks: a → b implies L(a) < L(b); a → b if and only if
 * V(a) < V(b).
 */
export interface ClockSimulationOptions {
  faults: boolean;
  /** Each process's Lamport clock (a user's, or a planted bug); the reference `LamportClock` by default. */
  createLamportClock?: () => LamportClockCore;
  /** The vector-clock rules; the reference `incrementVector` and `receiveVector` by default. */
  vector?: VectorClockRules;
  /** The master's averaging; the reference `berkeleyRound` by default. */
  berkeleyRound?: BerkeleyAverager;
  /** Receives the logical-clock run as event records; labels carry the stamps the clocks under test gave. */
  recorder?: RunRecorder;
}

const REFERENCE_VECTOR: VectorClockRules = { incrementVector, receiveVector };

export function simulateLogicalClocks(seed: number, options: ClockSimulationOptions): SimulationResult {
  const createLamportClock = options.createLamportClock ?? (() => new LamportClock());
  const vector = options.vector ?? REFERENCE_VECTOR;
  const random = new SeededRandom(seed);
  const queue = new EventQueue();
  const network = new SimNetwork(
    queue,
    random,
    options.faults
      ? { delayMinMs: 1, delayMaxMs: 40, lossRate: 0.1, duplicateRate: 0.1, retransmitAfterMs: 10 }
      : NO_FAULTS,
  );
  const ids = Array.from({ length: random.int(2, 6) }, (_, index) => index + 1);
  const events: LoggedEvent[] = [];
  const recorder = options.recorder;
  recorder?.attach(() => queue.nowMs);
  const stamped = (lamport: number, clock: VectorClock) => `L=${lamport} V=${formatVector(clock)}`;
  const state = new Map(ids.map((id) => [id, { lamport: createLamportClock(), vector: EMPTY_VECTOR, last: -1 }]));
  const log = (process: number, lamport: number, vector: VectorClock, extraCause?: number) => {
    const own = entry(state, process);
    events.push({
      process,
      lamport,
      vector,
      causes: [own.last, ...(extraCause === undefined ? [] : [extraCause])].filter((cause) => cause >= 0),
    });
    own.last = events.length - 1;
    return own.last;
  };
  let messages = 0;
  for (let step = 0; step < random.int(20, 80); step += 1) {
    queue.at(random.int(0, 500), () => {
      const id = random.pick(ids);
      const own = entry(state, id);
      own.vector = vector.incrementVector(own.vector, id);
      const lamport = own.lamport.tick();
      if (ids.length === 1 || random.chance(0.4)) {
        log(id, lamport, own.vector);
        recorder?.local(id, 1, 'local', `event ${events.length - 1}: ${stamped(lamport, own.vector)}`);
        return;
      }
      const sendIndex = log(id, lamport, own.vector);
      const stamp = { lamport, vector: own.vector };
      const to = random.pick(ids.filter((other) => other !== id));
      messages += 1;
      const messageId = recorder?.send(id, 1, to, `event ${sendIndex}: ${stamped(lamport, own.vector)}`);
      network.sendReliable(id, to, () => {
        const receiver = entry(state, to);
        receiver.vector = vector.receiveVector(receiver.vector, stamp.vector, to);
        const receiveLamport = receiver.lamport.receive(stamp.lamport);
        log(to, receiveLamport, receiver.vector, sendIndex);
        const label = `event ${events.length - 1}: ${stamped(receiveLamport, receiver.vector)}`;
        if (messageId !== undefined) recorder?.receive(to, 1, id, messageId, label);
      });
    });
  }
  queue.runUntil(100_000);

  const violations: string[] = [];
  // Ground truth: the set of events each event causally follows, built in log order (causes come first).
  const ancestors: Array<Set<number>> = [];
  events.forEach((event, index) => {
    const set = new Set<number>();
    for (const cause of event.causes) {
      set.add(cause);
      for (const earlier of ancestors[cause]) set.add(earlier);
    }
    ancestors[index] = set;
  });
  for (let b = 0; b < events.length && violations.length < 5; b += 1) {
    for (let a = 0; a < events.length && violations.length < 5; a += 1) {
      if (a === b) continue;
      const happenedBefore = ancestors[b].has(a);
      if (happenedBefore && !(events[a].lamport < events[b].lamport)) {
        violations.push(`Lamport: event ${a} → event ${b} but L = ${events[a].lamport}, ${events[b].lamport}`);
      }
      const vectorBefore = compareVectors(events[a].vector, events[b].vector) === 'before';
      if (happenedBefore !== vectorBefore) {
        violations.push(
          `vector: event ${a} ${happenedBefore ? '→' : '↛'} event ${b} but V(a) ${vectorBefore ? '<' : '≮'} V(b)`,
        );
      }
    }
  }
  // The first violation is marked at the later of its two events' processes, at the end of the run.
  const blamed = /event \d+ \S+ event (\d+)/.exec(violations[0] ?? '');
  if (blamed !== null) recorder?.local(events[Number(blamed[1])].process, 1, 'local', `✗ ${violations[0]}`);
  return { algorithm: 'clocks', seed, faults: options.faults, violations, operations: events.length, messages };
}

/**
 * One Berkeley round among processes with skewed (±500 ms) and drifting (±100 ppm) clocks, sometimes with one wild
 * clock a minute off. Readings and adjustments travel with random, asymmetric delays. The checker reads every clock at
 * one true instant after all adjustments landed and checks that the spread is within the bound the round reported
 * (plus the drift accrued during the round), and that a wild clock was left out of the average.
 */
export function simulateBerkeley(seed: number, options: ClockSimulationOptions): SimulationResult {
  const random = new SeededRandom(seed);
  const ids = Array.from({ length: random.int(2, 8) }, (_, index) => index + 1);
  const master = random.pick(ids);
  const wild = options.faults && random.chance(0.3) ? random.pick(ids.filter((id) => id !== master)) : undefined;
  const clocks = new Map(
    ids.map((id) => [
      id,
      { offsetMs: id === wild ? 60_000 : random.int(-500, 500) + random.next(), drift: (random.next() - 0.5) * 2e-4 },
    ]),
  );
  const read = (id: number, trueMs: number) => trueMs * (1 + entry(clocks, id).drift) + entry(clocks, id).offsetMs;
  const maxDelayMs = options.faults ? 40 : 2;
  const delay = () => random.next() * maxDelayMs;

  // The master polls each process in turn.
  let trueMs = 1_000;
  const readings: BerkeleyReading[] = [];
  for (const id of ids.filter((peerId) => peerId !== master)) {
    const sendMs = read(master, trueMs);
    trueMs += delay();
    const serverTimeMs = read(id, trueMs);
    trueMs += delay();
    readings.push({ peerId: id, sendMs, serverTimeMs, receiveMs: read(master, trueMs) });
  }
  const round = (options.berkeleyRound ?? berkeleyRound)(readings, 1_000);
  // Adjustments land with delays; each is a delta, applied whenever it arrives.
  const roundStartMs = 1_000;
  entry(clocks, master).offsetMs += round.masterAdjustmentMs;
  for (const adjustment of round.adjustments) {
    trueMs += delay();
    entry(clocks, adjustment.peerId).offsetMs += adjustment.adjustmentMs;
  }
  const values = ids.map((id) => read(id, trueMs));
  const spreadMs = Math.max(...values) - Math.min(...values);
  const driftAllowanceMs = 2 * 1e-4 * (trueMs - roundStartMs) + 1e-6 * trueMs;
  const violations: string[] = [];
  if (spreadMs > round.skewBoundMs + driftAllowanceMs) {
    violations.push(
      `Berkeley: clocks spread ${spreadMs.toFixed(3)} ms after the round, beyond the reported ${round.skewBoundMs.toFixed(3)} ms (+${driftAllowanceMs.toFixed(3)} drift)`,
    );
  }
  if (wild !== undefined && round.adjustments.find((entry) => entry.peerId === wild)?.included !== false) {
    violations.push(`Berkeley: the wild clock of process ${wild} counted in the average`);
  }
  return {
    algorithm: 'berkeley',
    seed,
    faults: options.faults,
    violations,
    operations: 1,
    messages: 2 * (ids.length - 1) + (ids.length - 1),
  };
}
