import { formatVector } from '@distlab/clock';
import { criticalSections } from './mutex-checks';
import { lifeOf, type TraceEvent } from './event-record';

/** One event as the diagram draws it. */
export interface DiagramEvent {
  /** Row: a linear extension of happened-before (Lamport time, then peer), so every arrow points down. */
  row: number;
  lane: number;
  peer: number;
  incarnation: number;
  sequence: number;
  kind: TraceEvent['kind'];
  algorithm: string;
  label: string;
  lamport: number;
  vector: string;
  wallTime: string;
  /** The other end of a send or receive. */
  remotePeer?: number;
}

/** A message: an arrow from its send to its receive (or to nowhere, when it was lost). */
export interface DiagramMessage {
  from: number;
  to: number | undefined;
  algorithm: string;
  label: string;
}

export interface DiagramModel {
  title: string;
  lanes: Array<{ peer: number; name: string }>;
  events: DiagramEvent[];
  messages: DiagramMessage[];
  /** Critical sections as row ranges on a lane (open ones end at the last row). */
  sections: Array<{ lane: number; fromRow: number; toRow: number }>;
  algorithms: string[];
  /** "Ricart–Agrawala: 8.0 messages per entry, 5 peers" and the like. */
  counts: string[];
}

const ALGORITHM_NAMES: Record<string, string> = {
  'ricart-agrawala': 'Ricart–Agrawala',
  bully: 'Bully',
  ring: 'Ring',
  clock: 'Clock messages',
  cristian: 'Cristian',
  berkeley: 'Berkeley',
  cluster: 'Membership',
};

/** Builds the diagram of a run from its event logs. */
export function buildDiagram(events: readonly TraceEvent[], title = 'distlab run'): DiagramModel {
  const peers = [...new Set(events.map((event) => event.peer))].sort((a, b) => a - b);
  const laneOf = new Map(peers.map((peer, index) => [peer, index]));
  const ordered = [...events].sort(
    (a, b) => a.lamport - b.lamport || a.peer - b.peer || a.incarnation - b.incarnation || a.sequence - b.sequence,
  );
  const rowOf = new Map<TraceEvent, number>(ordered.map((event, row) => [event, row]));
  const diagramEvents = ordered.map((event) => ({
    row: rowOf.get(event)!,
    lane: laneOf.get(event.peer)!,
    peer: event.peer,
    incarnation: event.incarnation,
    sequence: event.sequence,
    kind: event.kind,
    algorithm: event.algorithm,
    label: event.label,
    lamport: event.lamport,
    vector: formatVector(event.vector),
    wallTime: event.wallTime,
    remotePeer: event.remotePeer,
  }));
  const receives = new Map<string, TraceEvent>();
  for (const event of events) if (event.kind === 'receive' && event.messageId) receives.set(event.messageId, event);
  const messages = events
    .filter((event) => event.kind === 'send')
    .map((send) => {
      const receive = send.messageId ? receives.get(send.messageId) : undefined;
      return {
        from: rowOf.get(send)!,
        to: receive === undefined ? undefined : rowOf.get(receive),
        algorithm: send.algorithm,
        label: send.label.replace(/^send /, ''),
      };
    });
  const lastRow = ordered.length - 1;
  const sections = criticalSections(events).map((section) => ({
    lane: laneOf.get(section.enter.peer)!,
    fromRow: rowOf.get(section.enter)!,
    toRow: section.exit === undefined ? lastRow : rowOf.get(section.exit)!,
  }));
  const livesPerPeer = new Map<number, Set<string>>();
  for (const event of events)
    livesPerPeer.set(event.peer, (livesPerPeer.get(event.peer) ?? new Set()).add(lifeOf(event)));
  return {
    title,
    lanes: peers.map((peer) => ({
      peer,
      name: livesPerPeer.get(peer)!.size > 1 ? `peer-${peer} (${livesPerPeer.get(peer)!.size} lives)` : `peer-${peer}`,
    })),
    events: diagramEvents,
    messages,
    sections,
    algorithms: [...new Set(events.map((event) => event.algorithm))].sort(),
    counts: messageCounts(events, peers.length),
  };
}

/** Delivered messages per operation of each algorithm, for the page header. */
export function messageCounts(events: readonly TraceEvent[], peerCount: number): string[] {
  const received = new Set(events.filter((event) => event.kind === 'receive').map((event) => event.messageId));
  const delivered = (algorithm: string) =>
    events.filter((event) => event.kind === 'send' && event.algorithm === algorithm && received.has(event.messageId))
      .length;
  const count = (algorithm: string, kind: TraceEvent['kind']) =>
    events.filter((event) => event.algorithm === algorithm && event.kind === kind).length;
  const lines: string[] = [];
  const per = (messages: number, operations: number, what: string) =>
    `${(messages / operations).toFixed(1)} messages per ${what}`;
  const entries = count('ricart-agrawala', 'cs-enter');
  if (entries > 0)
    lines.push(
      `${ALGORITHM_NAMES['ricart-agrawala']}: ${per(delivered('ricart-agrawala'), entries, 'entry')}, ${peerCount} peers (2(N − 1) = ${2 * (peerCount - 1)})`,
    );
  for (const algorithm of ['bully', 'ring']) {
    const elections = count(algorithm, 'election');
    if (elections > 0)
      lines.push(`${ALGORITHM_NAMES[algorithm]}: ${delivered(algorithm)} messages, ${elections} elections started`);
  }
  const berkeleyRounds = events.filter(
    (event) => event.algorithm === 'berkeley' && event.kind === 'clock-adjusted' && event.label.includes('master'),
  ).length;
  if (berkeleyRounds > 0)
    lines.push(`${ALGORITHM_NAMES['berkeley']}: ${per(delivered('berkeley'), berkeleyRounds, 'round')}`);
  const cristianRounds = events.filter(
    (event) => event.algorithm === 'cristian' && event.kind === 'clock-adjusted',
  ).length;
  if (cristianRounds > 0)
    lines.push(`${ALGORITHM_NAMES['cristian']}: ${per(delivered('cristian'), cristianRounds, 'synchronization')}`);
  const clockMessages = delivered('clock');
  if (clockMessages > 0) lines.push(`${ALGORITHM_NAMES['clock']}: ${clockMessages} delivered`);
  return lines;
}
