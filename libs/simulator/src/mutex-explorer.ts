import {
  RicartAgrawala,
  type MutexCore,
  type MutexCoreFactory,
  type MutexMessage,
  type MutexOutput,
} from '@distlab/mutex';
import { renderTraceHtml, type TraceEvent } from '@distlab/trace';
import { RunRecorder } from './run-recorder';
import { canonicalJson, cloneState } from './state-clone';

/**
 * Exhaustive search of a small Ricart–Agrawala configuration, in the manner of DSLabs' model checker: breadth-first
 * over whole-system states (every core's state, what each process has done, and the messages in flight), from which
 * every enabled event is tried: a process asks for the critical section, a holder leaves it, any message in flight is
 * delivered (so every delivery order is tried), or a process crashes and restarts (every crash point, up to
 * `crashes` of them). States already seen, by their canonical JSON, are not expanded again. Every state is checked:
 * never two holders, fencing tokens increasing (when no crash can reset them); a state with nothing left to do while a
 * process has not had its turn is a deadlock. Breadth-first order makes the first violation found a shortest one.
 * Messages are neither lost nor duplicated here (the seeded simulator covers those); the depth is bounded.
 */
export interface ExploreOptions {
  processes: number;
  /** How many crash-and-restart events one path may hold. */
  crashes: number;
  /** The longest path explored, in events. */
  maxDepth: number;
  /** A bound on the states kept, so that a run ends whatever the core does. */
  maxStates: number;
  makeCore?: MutexCoreFactory;
}

export const DEFAULT_EXPLORE: ExploreOptions = { processes: 3, crashes: 0, maxDepth: 60, maxStates: 500_000 };

export interface ExploreResult {
  statesExplored: number;
  /** The deepest level reached. */
  depth: number;
  /** False when the depth or state bound cut the search short: "no violation" then holds within the bound only. */
  exhaustive: boolean;
  counterexample?: { violation: string; path: string[]; events: TraceEvent[]; html: string };
}

interface Process {
  core: MutexCore;
  incarnation: number;
  requested: boolean;
  inCriticalSection: boolean;
  done: boolean;
}

interface Flight {
  from: number;
  fromIncarnation: number;
  to: number;
  /** A core's message, or else a notice that `from` restarted as `restartedAs`. */
  message?: MutexMessage;
  restartedAs?: number;
  /** Only while drawing a counterexample: the recorder's message id. */
  id?: string;
}

interface SystemState {
  processes: Process[];
  flights: Flight[];
  crashes: number;
  lastToken: number;
}

/** A delivery names its flight by position: a replay of the same path from the start rebuilds the same list. */
type ExploreEvent =
  { kind: 'acquire' | 'release' | 'crash'; process: number } | { kind: 'deliver'; flight: Flight; index: number };

export function exploreMutex(options: Partial<ExploreOptions> = {}): ExploreResult {
  const settings = { ...DEFAULT_EXPLORE, ...options };
  const make = settings.makeCore ?? ((coreOptions) => new RicartAgrawala(coreOptions));
  const ids = Array.from({ length: settings.processes }, (_, index) => index + 1);
  const initial = (): SystemState => ({
    processes: ids.map((id) => ({
      core: make({ self: id, members: ids, incarnation: 1 }),
      incarnation: 1,
      requested: false,
      inCriticalSection: false,
      done: false,
    })),
    flights: [],
    crashes: 0,
    lastToken: 0,
  });
  const context = { ids, make, crashesAllowed: settings.crashes };
  const seen = new Set<string>([fingerprint(initial())]);
  const paths: Array<{ parent: number; event: ExploreEvent | undefined }> = [{ parent: -1, event: undefined }];
  let frontier: Array<{ state: SystemState; node: number }> = [{ state: initial(), node: 0 }];
  let depth = 0;
  let exhaustive = true;
  while (frontier.length > 0) {
    if (depth >= settings.maxDepth) {
      exhaustive = false;
      break;
    }
    const next: typeof frontier = [];
    for (const { state, node } of frontier) {
      const events = enabledEvents(state, context.crashesAllowed);
      if (events.length === 0 && state.processes.some((process) => !process.done)) {
        const waiting = state.processes.findIndex((process) => !process.done) + 1;
        const violation = `deadlock: nothing can happen, and process ${waiting} never had its turn (${JSON.stringify(state.processes[waiting - 1].core.describe())})`;
        return found(seen.size, depth, violation, pathTo(paths, node), context);
      }
      for (const event of events) {
        const after = cloneState(state);
        const violation = step(after, event, context);
        paths.push({ parent: node, event });
        if (violation !== undefined)
          return found(seen.size, depth + 1, violation, pathTo(paths, paths.length - 1), context);
        const key = fingerprint(after);
        if (seen.has(key)) {
          paths.pop();
          continue;
        }
        if (seen.size >= settings.maxStates) return { statesExplored: seen.size, depth, exhaustive: false };
        seen.add(key);
        next.push({ state: after, node: paths.length - 1 });
      }
    }
    frontier = next;
    if (next.length > 0) depth += 1;
  }
  return { statesExplored: seen.size, depth, exhaustive };
}

function enabledEvents(state: SystemState, crashesAllowed: number): ExploreEvent[] {
  const events: ExploreEvent[] = [];
  state.processes.forEach((process, index) => {
    const id = index + 1;
    if (!process.done && !process.requested && process.core.state === 'released')
      events.push({ kind: 'acquire', process: id });
    if (process.inCriticalSection) events.push({ kind: 'release', process: id });
    if (!process.done && state.crashes < crashesAllowed) events.push({ kind: 'crash', process: id });
  });
  // Identical messages in flight lead to identical states: deliver one of each.
  const distinct = new Set<string>();
  state.flights.forEach((flight, index) => {
    const key = canonicalJson(flight);
    if (distinct.has(key)) return;
    distinct.add(key);
    events.push({ kind: 'deliver', flight, index });
  });
  return events;
}

type Context = { ids: number[]; make: MutexCoreFactory; crashesAllowed: number };

/** Applies one event to `state` (in place); returns the violation it caused, if any. */
function step(state: SystemState, event: ExploreEvent, context: Context, recorder?: RunRecorder): string | undefined {
  if (event.kind === 'deliver') {
    const [flight] = state.flights.splice(event.index, 1);
    const target = state.processes[flight.to - 1];
    if (flight.message === undefined || flight.restartedAs !== undefined) {
      const incarnation = flight.restartedAs ?? 1;
      recorder?.local(flight.to, target.incarnation, 'local', `hears ${flight.from} restarted`);
      return feed(state, flight.to, { kind: 'member-restarted', peerId: flight.from, incarnation }, recorder);
    }
    if (flight.id !== undefined)
      recorder?.receive(flight.to, target.incarnation, flight.from, flight.id, label(flight.message));
    return feed(state, flight.to, { kind: 'receive', message: flight.message }, recorder);
  }
  const process = state.processes[event.process - 1];
  if (event.kind === 'acquire') {
    process.requested = true;
    recorder?.local(event.process, process.incarnation, 'local', 'acquire');
    return feed(state, event.process, { kind: 'acquire' }, recorder);
  }
  if (event.kind === 'release') return feed(state, event.process, { kind: 'release' }, recorder);
  // A crash: the process restarts at once under a new incarnation, its state lost; what it had sent and not yet
  // delivered is dropped (its sender is gone), and every other process is told of the restart.
  recorder?.local(event.process, process.incarnation, 'local', 'crash');
  state.crashes += 1;
  state.flights = state.flights.filter((flight) => flight.from !== event.process);
  process.incarnation += 1;
  process.core = context.make({ self: event.process, members: context.ids, incarnation: process.incarnation });
  process.inCriticalSection = false;
  process.requested = false;
  for (const other of context.ids.filter((id) => id !== event.process))
    state.flights.push({
      from: event.process,
      fromIncarnation: process.incarnation,
      to: other,
      restartedAs: process.incarnation,
    });
  return undefined;
}

function feed(
  state: SystemState,
  id: number,
  input: Parameters<MutexCore['handle']>[0],
  recorder?: RunRecorder,
): string | undefined {
  const process = state.processes[id - 1];
  let outputs: MutexOutput[];
  try {
    outputs = process.core.handle(input);
  } catch (error) {
    return `process ${id} threw on ${JSON.stringify(input)}: ${String(error)}`;
  }
  for (const output of outputs) {
    if (output.kind === 'send') {
      const messageId = recorder?.send(id, process.incarnation, output.to, label(output.message));
      state.flights.push({
        from: id,
        fromIncarnation: process.incarnation,
        to: output.to,
        message: output.message,
        id: messageId,
      });
    } else if (output.kind === 'entered') {
      recorder?.local(id, process.incarnation, 'cs-enter', `enter (token ${output.fencingToken})`);
      const other = state.processes.findIndex((candidate, index) => index !== id - 1 && candidate.inCriticalSection);
      process.inCriticalSection = true;
      if (other >= 0) return `mutual exclusion violated: ${other + 1} and ${id} hold the critical section`;
      if (state.crashes === 0 && output.fencingToken <= state.lastToken)
        return `fencing: token ${output.fencingToken} after ${state.lastToken}`;
      state.lastToken = Math.max(state.lastToken, output.fencingToken);
    } else {
      recorder?.local(id, process.incarnation, 'cs-exit', `exit (token ${output.fencingToken})`);
      process.inCriticalSection = false;
      process.done = true;
    }
  }
  return undefined;
}

function fingerprint(state: SystemState): string {
  const flights = state.flights.map((flight) => canonicalJson({ ...flight, id: undefined })).sort();
  return canonicalJson({ processes: state.processes, flights, crashes: state.crashes, lastToken: state.lastToken });
}

function pathTo(paths: Array<{ parent: number; event: ExploreEvent | undefined }>, node: number): ExploreEvent[] {
  const events: ExploreEvent[] = [];
  for (let at = node; at > 0; at = paths[at].parent) {
    const event = paths[at].event;
    if (event !== undefined) events.push(event);
  }
  return events.reverse();
}

/** Replays the counterexample from the start with a recorder, to draw it like any simulated run. */
function found(
  statesExplored: number,
  depth: number,
  violation: string,
  path: ExploreEvent[],
  context: Context,
): ExploreResult {
  const recorder = new RunRecorder('ricart-agrawala');
  let stepNumber = 0;
  recorder.attach(() => stepNumber);
  const state: SystemState = {
    processes: context.ids.map((id) => ({
      core: context.make({ self: id, members: context.ids, incarnation: 1 }),
      incarnation: 1,
      requested: false,
      inCriticalSection: false,
      done: false,
    })),
    flights: [],
    crashes: 0,
    lastToken: 0,
  };
  for (const event of path) {
    stepNumber += 1;
    step(state, event, context, recorder);
  }
  const blamed = path.length > 0 ? path[path.length - 1] : undefined;
  const peer = blamed === undefined ? 1 : blamed.kind === 'deliver' ? blamed.flight.to : blamed.process;
  recorder.local(peer, state.processes[peer - 1].incarnation, 'local', `✗ ${violation}`);
  const title = `ricart-agrawala, exhaustive search: FAIL after ${path.length} events: ${violation}`;
  return {
    statesExplored,
    depth,
    exhaustive: false,
    counterexample: {
      violation,
      path: path.map(describeEvent),
      events: recorder.events,
      html: renderTraceHtml(recorder.events, title),
    },
  };
}

function describeEvent(event: ExploreEvent): string {
  if (event.kind !== 'deliver') return `${event.kind} ${event.process}`;
  const { from, to, message, restartedAs } = event.flight;
  return message === undefined
    ? `deliver to ${to}: ${from} restarted as #${restartedAs}`
    : `deliver ${from} → ${to}: ${label(message)}`;
}

function label(message: MutexMessage): string {
  return message.kind === 'request'
    ? `request ts=${message.timestamp}`
    : `reply to ts=${message.requestTimestamp} (token ${message.fencingTokenSeen})`;
}
