/// <reference lib="dom" />
import { EVENTS_PER_READ_MAX } from '../wire';

/** What one read of `/api/events` returned: `lines.length` events numbered from `first` on. */
export interface EventRead {
  /** The bridge's life that numbered them. */
  run: string;
  first: number;
  /** How many events the bridge had seen when it answered. */
  seen: number;
  /** Each event as the peer's log line (without its `shiviz` field). */
  lines: string[];
}

/** At most `limit` events from number `from` on (see sendEvents in bridge-server.ts). */
export async function readEvents(from: number, limit: number): Promise<EventRead> {
  const response = await fetch(`/api/events?from=${from}&limit=${limit}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`the view answered ${response.status}: ${text.slice(0, 200)}`);
  const lines = text.split('\n');
  lines.pop(); // After the last newline.
  const head = JSON.parse(lines.shift()!) as { run: string; first: number; count: number; seen: number };
  if (lines.length !== head.count) throw new Error(`the view sent ${lines.length} events of ${head.count}`);
  return { run: head.run, first: head.first, seen: head.seen, lines };
}

/**
 * Every event the bridge keeps, up to `seen`, read a bridge's most at a time: for a look in the console and for the
 * end-to-end tests, which check them against the peers' log files. Throws if the bridge restarted meanwhile.
 */
export async function readAllEvents(seen: number): Promise<EventRead> {
  const all = await readEvents(0, EVENTS_PER_READ_MAX);
  while (all.first + all.lines.length < seen) {
    const next = await readEvents(all.first + all.lines.length, EVENTS_PER_READ_MAX);
    if (next.run !== all.run) throw new Error('the view restarted while its events were read');
    if (next.first !== all.first + all.lines.length) throw new Error('the view forgot events while they were read');
    if (next.lines.length === 0) break; // `seen` was of another life.
    for (const line of next.lines) all.lines.push(line);
    all.seen = next.seen;
  }
  return all;
}
