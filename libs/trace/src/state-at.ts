import type { DiagramEvent } from './trace-model';

/** What one process was doing at a moment of a run, as its own events say. */
export interface ProcessMoment {
  peer: number;
  /** The row of this process's last event at or before the moment (undefined: it had logged nothing yet). */
  row: number | undefined;
  lamport: number;
  /** Its vector clock, "1:3,2:1" as the logs write it. */
  vector: string;
  mutex: {
    state: 'released' | 'wanted' | 'held';
    /** Peers whose Reply it still waits for. */
    awaiting: number[];
    /** Peers whose Request it received and has not answered yet: deferred while it wants or holds the section. */
    deferred: number[];
    fencingToken: string | undefined;
  };
  leader: number | undefined;
  term: number | undefined;
  electionRunning: boolean;
}

/**
 * Every process's state at `row` of a diagram, replayed from the events alone: each process's events up to that row,
 * in its own order. Replaying is what makes stepping back honest: the peers cannot be asked what they were at an
 * earlier moment, but their logs say it. The mutex state follows Ricart–Agrawala's messages (a Request sent: wanted
 * and awaiting that peer's Reply; a Request received and not yet answered: deferred), the leader follows the
 * leader-changed events. It is self-contained (no imports at run time), since the browser page runs it too.
 */
export function processStatesAt(events: readonly DiagramEvent[], row: number): ProcessMoment[] {
  const moments = new Map<number, ProcessMoment>();
  const momentOf = (peer: number): ProcessMoment => {
    let moment = moments.get(peer);
    if (moment === undefined) {
      moment = {
        peer,
        row: undefined,
        lamport: 0,
        vector: '',
        mutex: { state: 'released', awaiting: [], deferred: [], fencingToken: undefined },
        leader: undefined,
        term: undefined,
        electionRunning: false,
      };
      moments.set(peer, moment);
    }
    return moment;
  };
  const lives = new Map<number, number>();
  for (const event of events) {
    const moment = momentOf(event.peer);
    if (event.row > row) continue;
    // A new life starts from nothing: a restarted peer remembers no request, reply or leader.
    if (lives.has(event.peer) && lives.get(event.peer) !== event.incarnation) {
      moment.mutex = { state: 'released', awaiting: [], deferred: [], fencingToken: undefined };
      moment.leader = undefined;
      moment.term = undefined;
      moment.electionRunning = false;
    }
    lives.set(event.peer, event.incarnation);
    moment.row = event.row;
    moment.lamport = event.lamport;
    moment.vector = event.vector;
    applyEvent(moment, event);
  }
  return [...moments.values()].sort((a, b) => a.peer - b.peer);
}

function applyEvent(moment: ProcessMoment, event: DiagramEvent): void {
  const mutex = moment.mutex;
  const remote = event.remotePeer;
  const without = (list: number[], peer: number | undefined) => list.filter((entry) => entry !== peer);
  if (event.algorithm === 'ricart-agrawala' && remote !== undefined) {
    const isRequest = / Request\(/.test(` ${event.label}`);
    if (event.kind === 'send' && isRequest) {
      if (mutex.state === 'released') mutex.state = 'wanted';
      if (!mutex.awaiting.includes(remote)) mutex.awaiting = [...mutex.awaiting, remote].sort((a, b) => a - b);
    } else if (event.kind === 'send') {
      mutex.deferred = without(mutex.deferred, remote);
    } else if (event.kind === 'receive' && isRequest) {
      if (!mutex.deferred.includes(remote)) mutex.deferred = [...mutex.deferred, remote].sort((a, b) => a - b);
    } else if (event.kind === 'receive') {
      mutex.awaiting = without(mutex.awaiting, remote);
    }
  }
  if (event.kind === 'cs-enter') {
    mutex.state = 'held';
    mutex.awaiting = [];
    mutex.fencingToken = /token=(\d+)/.exec(event.label)?.[1];
  } else if (event.kind === 'cs-exit') {
    mutex.state = 'released';
    mutex.fencingToken = undefined;
  } else if (event.kind === 'election') {
    moment.electionRunning = true;
  } else if (event.kind === 'leader-changed') {
    const match = /leader is (\d+) \(term (\d+)\)/.exec(event.label);
    if (match !== null) {
      moment.leader = Number(match[1]);
      moment.term = Number(match[2]);
    }
    moment.electionRunning = false;
  }
}
