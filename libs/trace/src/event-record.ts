import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseVector, type VectorClock } from '@distlab/clock';

/** One line of a peer's event log (`.distlab/events/peer-<id>.jsonl`), as the peer writes it. */
export interface TraceEvent {
  peer: number;
  incarnation: number;
  sequence: number;
  kind: 'local' | 'send' | 'receive' | 'cs-enter' | 'cs-exit' | 'election' | 'leader-changed' | 'clock-adjusted';
  lamport: number;
  vector: VectorClock;
  wallTime: string;
  algorithm: string;
  label: string;
  remotePeer?: number;
  messageId?: string;
  /** On a `leader-changed` event, the leader now followed (optional: the peers write it in the label). */
  leader?: number;
}

/** A line that is not an event (a torn last line of a crashed process, or a foreign file). */
export class BadEventLineError extends Error {}

export function parseEventLine(line: string, where = 'event line'): TraceEvent {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new BadEventLineError(`${where}: not JSON`);
  }
  const number = (key: string, fallback?: number) => {
    const value = raw[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new BadEventLineError(`${where}: no "${key}"`);
    return value;
  };
  const text = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : '');
  return {
    peer: number('peer'),
    incarnation: number('incarnation', 1),
    sequence: number('sequence'),
    kind: text('kind') as TraceEvent['kind'],
    lamport: number('lamport'),
    vector: parseVector(text('vector')),
    wallTime: text('wallTime'),
    algorithm: text('algorithm'),
    label: text('label'),
    remotePeer: typeof raw['remotePeer'] === 'number' ? raw['remotePeer'] : undefined,
    messageId: text('messageId') || undefined,
    leader: typeof raw['leader'] === 'number' ? raw['leader'] : undefined,
  };
}

/**
 * Reads every `peer-<id>.jsonl` in `dir`, each after its rotated part `peer-<id>.1.jsonl` if there is one. A torn last line (a process killed while writing) is skipped, since the
 * write it belonged to never completed; any other bad line is an error.
 */
export function readEventLogs(dir: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  // A peer's rotated file (peer-<id>.1.jsonl) holds its older lines: read before the current one.
  const order = (name: string) => name.replace(/^peer-(\d+)\.1\.jsonl$/, 'peer-$1.0.jsonl');
  for (const file of readdirSync(dir)
    .filter((name) => /^peer-\d+(\.1)?\.jsonl$/.test(name))
    .sort((a, b) => order(a).localeCompare(order(b)))) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        events.push(parseEventLine(line, `${file}:${index + 1}`));
      } catch (error) {
        const isLast = lines.slice(index + 1).every((rest) => rest.trim() === '');
        if (!isLast) throw error;
      }
    });
  }
  return events;
}

/** A process's life: a peer restarted is a new process for causality (its clocks started afresh). */
export function lifeOf(event: TraceEvent): string {
  return `${event.peer}.${event.incarnation}`;
}

/** Events grouped by life, each in log order. */
export function byLife(events: readonly TraceEvent[]): Map<string, TraceEvent[]> {
  const lives = new Map<string, TraceEvent[]>();
  for (const event of events) {
    const life = lives.get(lifeOf(event)) ?? [];
    life.push(event);
    lives.set(lifeOf(event), life);
  }
  for (const life of lives.values()) life.sort((a, b) => a.sequence - b.sequence);
  return lives;
}
