import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** How often the event-log files are read for new lines. */
const POLL_INTERVAL_MS = 250;
/** The most read from one file in one poll: a burst (a demo's thousand messages) is caught up over a few polls. */
const READ_LIMIT_BYTES = 1 << 20;

/**
 * The events of the lab worth a line of their own while `distlab up` runs, with how to say them. Messages (send and
 * receive) are the bulk of every log and stay in the files, for `distlab trace`; a leader change is logged by the peer
 * itself.
 */
const SHOWN: Record<string, string> = {
  'cs-enter': 'entered the critical section',
  'cs-exit': 'left the critical section',
  'clock-adjusted': 'clock adjusted',
  election: 'election',
};

interface EventLine {
  peer: number;
  kind: string;
  wallTime: string;
  label: string;
}

/**
 * Follows the peers' event logs (the `peer-N.jsonl` files under --events-dir) and prints each of the lab's events as
 * one line from the peer that recorded it: entered or left the critical section with its fencing token, a clock
 * adjusted, an election started. Only what is appended after it starts is shown: the files keep earlier runs too.
 */
export class EventFollower {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  /** One decoder per file: a read that ends inside a character keeps its first bytes for the next. */
  private readonly decoders = new Map<string, StringDecoder>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly print: (processName: string, text: string) => void,
  ) {}

  start(): void {
    for (const file of this.files()) this.offsets.set(file, statSync(join(this.dir, file)).size);
    this.timer = setInterval(() => this.poll(), POLL_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private files(): string[] {
    try {
      return readdirSync(this.dir).filter((file) => /^peer-\d+\.jsonl$/.test(file));
    } catch {
      return [];
    }
  }

  private poll(): void {
    for (const file of this.files()) {
      const text = this.readNew(file);
      if (text === '') continue;
      const lines = ((this.partial.get(file) ?? '') + text).split('\n');
      this.partial.set(file, lines.pop() ?? '');
      for (const line of lines) this.show(line);
    }
  }

  /** What was appended to `file` since the last read (a file seen for the first time is read from its start). */
  private readNew(file: string): string {
    const path = join(this.dir, file);
    const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    const offset = Math.min(this.offsets.get(file) ?? 0, size);
    const length = Math.min(size - offset, READ_LIMIT_BYTES);
    if (length <= 0) return '';
    const buffer = Buffer.alloc(length);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buffer, 0, length, offset);
    } finally {
      closeSync(fd);
    }
    this.offsets.set(file, offset + length);
    let decoder = this.decoders.get(file);
    if (decoder === undefined) {
      decoder = new StringDecoder('utf8');
      this.decoders.set(file, decoder);
    }
    return decoder.write(buffer);
  }

  private show(line: string): void {
    let event: EventLine;
    try {
      event = JSON.parse(line) as EventLine;
    } catch {
      return;
    }
    const what = SHOWN[event.kind];
    if (what === undefined) return;
    this.print(`peer-${event.peer}`, `${event.wallTime.slice(11, 23)} EVENT ${what}: ${event.label}`);
  }
}
