/// <reference lib="dom" />
import type { SystemView } from '../wire';
import { joinBytes, takeLines } from './event-store';

/** What the page does with what the bridge streams. */
export interface SystemStreamHandlers {
  /** A batch of new events: `lines` of the peers' log lines, whole, each ending in a newline; in order, each once. */
  onEvents(batch: Uint8Array, lines: number): void;
  onView(view: SystemView): void;
  /** Whatever the page holds is to be forgotten: the bridge restarted and sends its run from the start. */
  onReset(): void;
  onConnection(connected: boolean): void;
}

const RECONNECT_DELAY_MS = 1_000;
const NEWLINE = 0x0a;

/** A record of the stream that is not an event line. */
type StreamRecord = { view: SystemView } | { reset: string } | { events: number; id: string };

/**
 * Reads the bridge's stream as bytes, in chunks cut anywhere: a record line is decoded and parsed, but the event lines
 * of a batch are only counted (EventStore decodes them when they are drawn), and handed on once the batch is whole.
 * `lastBatchId` is the id of the last whole batch.
 */
export class StreamReader {
  lastBatchId = '';
  private readonly decoder = new TextDecoder();
  /** A record line's start, when a chunk ended inside it. */
  private partial: Uint8Array[] = [];
  /** The batch being read: its lines still due, its id, and its bytes and lines so far. */
  private due = 0;
  private dueId = '';
  private batch: Uint8Array[] = [];
  private batchLines = 0;

  constructor(private readonly handlers: Omit<SystemStreamHandlers, 'onConnection'>) {}

  read(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length;) {
      if (this.due > 0) {
        const taken = takeLines(chunk, at, this.due);
        const end = taken.lines === this.due ? taken.end : chunk.length;
        this.batch.push(chunk.subarray(at, end));
        this.batchLines += taken.lines;
        this.due -= taken.lines;
        at = end;
        if (this.due === 0) {
          this.handlers.onEvents(joinBytes(this.batch), this.batchLines);
          [this.batch, this.batchLines, this.lastBatchId] = [[], 0, this.dueId];
        }
        continue;
      }
      const newline = chunk.indexOf(NEWLINE, at);
      if (newline < 0) {
        this.partial.push(chunk.subarray(at));
        return;
      }
      this.partial.push(chunk.subarray(at, newline));
      at = newline + 1;
      const line = this.decoder.decode(joinBytes(this.partial));
      this.partial = [];
      if (line === '') continue; // A keep-alive.
      const record = JSON.parse(line) as StreamRecord;
      if ('events' in record) [this.due, this.dueId] = [record.events, record.id];
      else if ('view' in record) this.handlers.onView(record.view);
      else this.handlers.onReset();
    }
  }
}

/**
 * Follows the bridge's `/api/stream` (JSON lines; see openStream in bridge-server.ts) with fetch(), for as long as the
 * page is open. When the connection breaks it comes back after the last whole batch it got; a batch cut off in the
 * middle is dropped with its reader, so that the bridge's resend of it is the only copy the page keeps.
 */
export async function followSystemStream(handlers: SystemStreamHandlers): Promise<never> {
  let after = '';
  for (;;) {
    const stream = new StreamReader(handlers);
    try {
      const response = await fetch(after === '' ? '/api/stream' : `/api/stream?after=${encodeURIComponent(after)}`);
      if (!response.ok || response.body === null) throw new Error(`the view answered ${response.status}`);
      handlers.onConnection(true);
      const reader = response.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        stream.read(value);
      }
    } catch {
      // The bridge stopped or the connection broke: come back shortly.
    }
    after = stream.lastBatchId || after;
    handlers.onConnection(false);
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
  }
}
