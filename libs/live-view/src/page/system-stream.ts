/// <reference lib="dom" />
import type { SystemView } from '../wire';

/** What the page does with what the bridge streams. */
export interface SystemStreamHandlers {
  /** New events, each the peer's log line; in order, each once. */
  onEvents(lines: string[]): void;
  onView(view: SystemView): void;
  /** Whatever the page holds is to be forgotten: the bridge restarted and sends its run from the start. */
  onReset(): void;
  onConnection(connected: boolean): void;
}

const RECONNECT_DELAY_MS = 1_000;

/** A record of the stream that is not an event line. */
type StreamRecord = { view: SystemView } | { reset: string } | { events: number; id: string };

/**
 * Follows the bridge's `/api/stream` (JSON lines; see openStream in bridge-server.ts) with fetch(), for as long as the
 * page is open: reads records and event lines as they arrive, and when the connection breaks comes back after the
 * last whole batch it got. A batch cut off in the middle is taken back, so that the bridge's resend of it is the only
 * copy the page keeps.
 */
export async function followSystemStream(handlers: SystemStreamHandlers): Promise<never> {
  let after = '';
  for (;;) {
    /** Lines of the batch being read, given to the handlers once it is whole. */
    let batch: string[] = [];
    try {
      const response = await fetch(after === '' ? '/api/stream' : `/api/stream?after=${encodeURIComponent(after)}`);
      if (!response.ok || response.body === null) throw new Error(`the view answered ${response.status}`);
      handlers.onConnection(true);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let partial = '';
      let due = 0;
      let dueId = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const lines = (partial + value).split('\n');
        partial = lines.pop() ?? '';
        const whole: string[] = [];
        for (const line of lines) {
          if (due > 0) {
            batch.push(line);
            due -= 1;
            if (due === 0) {
              for (const event of batch) whole.push(event);
              batch = [];
              after = dueId;
            }
            continue;
          }
          if (line === '') continue; // A keep-alive.
          const record = JSON.parse(line) as StreamRecord;
          if ('events' in record) [due, dueId] = [record.events, record.id];
          else if ('view' in record) handlers.onView(record.view);
          else handlers.onReset();
        }
        if (whole.length > 0) handlers.onEvents(whole);
      }
    } catch {
      // The bridge stopped or the connection broke: come back shortly.
    }
    handlers.onConnection(false);
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
  }
}
