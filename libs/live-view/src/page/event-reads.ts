/// <reference lib="dom" />
import { EVENTS_PER_READ_MAX, type EventReadHead } from '../wire';

/** What one read of `/api/events` returned: its head, and its events, each the peer's log line (no `shiviz`). */
export type EventRead = EventReadHead & { lines: string[] };

/** At most `limit` events from number `from` on (see sendEvents in bridge-server.ts). */
export async function readEvents(from: number, limit: number): Promise<EventRead> {
  const response = await fetch(`/api/events?from=${from}&limit=${limit}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`the view answered ${response.status}: ${text.slice(0, 200)}`);
  const lines = text.split('\n');
  lines.pop(); // After the last newline.
  const head = JSON.parse(lines.shift()!) as EventReadHead;
  if (lines.length !== head.count) throw new Error(`the view sent ${lines.length} events of ${head.count}`);
  return { ...head, lines };
}

/**
 * Every event the bridge keeps, up to `seen`, read a bridge's most at a time: for a look in the console and for the
 * end-to-end tests, which check them against the peers' log files. Throws if the bridge restarted meanwhile.
 */
export async function readAllEvents(seen: number): Promise<string[]> {
  const { run, first, lines } = await readEvents(0, EVENTS_PER_READ_MAX);
  while (first + lines.length < seen) {
    const next = await readEvents(first + lines.length, EVENTS_PER_READ_MAX);
    if (next.run !== run) throw new Error('the view restarted while its events were read');
    if (next.first !== first + lines.length) throw new Error('the view forgot events while they were read');
    if (next.lines.length === 0) break; // `seen` was of another life.
    for (const line of next.lines) lines.push(line);
  }
  return lines;
}
