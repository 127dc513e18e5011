/// <reference lib="dom" />
import type { EventsSeen, SystemView } from '../wire';

/** What the page does with what the bridge streams. */
export interface SystemStreamHandlers {
  onView(view: SystemView): void;
  onEventsSeen(events: EventsSeen): void;
  onConnection(connected: boolean): void;
}

const RECONNECT_DELAY_MS = 1_000;

/** A record of the stream (see openStream in bridge-server.ts). */
type StreamRecord = { view: SystemView } | { events: EventsSeen };

/**
 * Reads the bridge's stream, JSON lines in chunks cut anywhere (inside a multi-byte character too): each whole line is
 * parsed and handed on; an empty line is a keep-alive.
 */
export class StreamReader {
  private readonly decoder = new TextDecoder();
  /** The start of a line a chunk ended inside. */
  private partial = '';

  constructor(private readonly handlers: Omit<SystemStreamHandlers, 'onConnection'>) {}

  read(chunk: Uint8Array): void {
    const lines = (this.partial + this.decoder.decode(chunk, { stream: true })).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      if (line === '') continue;
      const record = JSON.parse(line) as StreamRecord;
      if ('view' in record) this.handlers.onView(record.view);
      else if ('events' in record) this.handlers.onEventsSeen(record.events);
    }
  }
}

/**
 * Follows the bridge's `/api/stream` with fetch() for as long as the page is open, and comes back a second after the
 * connection breaks. Nothing is lost while it is away: the stream says how many events there are, not what they are,
 * and the page reads the ones it draws by their numbers (page/event-reads.ts).
 */
export async function followSystemStream(handlers: SystemStreamHandlers): Promise<never> {
  for (;;) {
    try {
      const response = await fetch('/api/stream');
      if (!response.ok || response.body === null) throw new Error(`the view answered ${response.status}`);
      handlers.onConnection(true);
      const stream = new StreamReader(handlers);
      const reader = response.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        stream.read(value);
      }
    } catch {
      // The bridge stopped or the connection broke: come back shortly.
    }
    handlers.onConnection(false);
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
  }
}
