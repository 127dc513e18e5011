import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Stamp } from './logical-clocks';

export type EventKindName =
  'local' | 'send' | 'receive' | 'cs-enter' | 'cs-exit' | 'election' | 'leader-changed' | 'clock-adjusted';

/** One entry of a peer's event log. */
export interface LoggedEvent {
  sequence: number;
  peerId: number;
  kind: EventKindName;
  stamp: Stamp;
  wallTime: Date;
  algorithm: string;
  label: string;
  remotePeerId?: number;
  messageId?: string;
}

/**
 * How many of the newest events a peer keeps in memory by default, for ListEvents and WatchEvents: about 30 MB (an
 * event takes about 650 bytes). The file keeps them all.
 */
export const EVENTS_IN_MEMORY_DEFAULT = 50_000;

/** The longest a receive's line waits to be written with a later one (see EventLog.scheduleFlush). */
export const RECEIVE_LINE_DELAY_MS = 10;

/**
 * How large a peer's event-log file grows before it is rotated: the file becomes `peer-<id>.1.jsonl` (replacing the
 * previous one) and a new one starts, so the files of a peer that runs for days hold at most twice this (128 MiB, about
 * 400,000 events), while the checkers of any run of ordinary length read it whole.
 */
export const EVENTS_FILE_MAX_BYTES_DEFAULT = 64 * 1024 * 1024;

/** The file a rotated event log's older lines move to: `peer-3.jsonl` → `peer-3.1.jsonl`. */
export function rotatedFileOf(file: string): string {
  return file.endsWith('.jsonl') ? `${file.slice(0, -'.jsonl'.length)}.1.jsonl` : `${file}.1`;
}

/** A reader asked for the events after a sequence whose successors are no longer in memory, or that is past the end. */
export class ForgottenEventsError extends Error {}

export interface EventLogOptions {
  peerId: number;
  incarnation?: number;
  /** When set, every event is appended to it as a JSON line. */
  file?: string;
  /** The peer's physical clock (its virtual clock, skew and drift included). */
  wallClock?: () => Date;
  /** The newest events kept in memory for ListEvents and WatchEvents (EVENTS_IN_MEMORY_DEFAULT); the file keeps all. */
  maxInMemory?: number;
  /** The size at which the file is rotated (EVENTS_FILE_MAX_BYTES_DEFAULT). */
  maxFileBytes?: number;
}

/** A watcher's outlet: returns false when it cannot keep up (it is then dropped). */
export type EventWatcher = (event: LoggedEvent) => boolean;

/**
 * A peer's event log: every send, receive, local event and algorithm step with its stamps, in memory for ListEvents and
 * WatchEvents, and appended as JSON lines to a file when one is given (rotated at maxFileBytes). Each line reads as ShiViz expects with the
 * parser regex `^(?<timestamp>\S+) (?<host>peer-\d+) (?<clock>\{.*?\}) (?<event>.*)$` on the `shiviz` field.
 */
export class EventLog {
  /** The newest events, at most `maxInMemory`; the file keeps them all. */
  private readonly events: LoggedEvent[] = [];
  private appended = 0;
  private readonly watchers = new Set<EventWatcher>();

  readonly peerId: number;
  /** Which life of the peer this log belongs to: a restarted peer appends to the same file, sequence from 1 again. */
  readonly incarnation: number;
  /** The log file, open for appending for the log's life (opening it per event cost more than the write). */
  private fd: number | undefined;
  /** Lines appended and not yet written; see `append` for when they are. */
  private pendingLines = '';
  /** A write of the pending lines is due at the end of the current task. */
  private flushAtTaskEnd = false;
  /** A write of the pending lines is due within RECEIVE_LINE_DELAY_MS (receives' lines wait for it, if for nothing). */
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly wallClock: () => Date;
  private readonly maxInMemory: number;
  private readonly file: string | undefined;
  private readonly maxFileBytes: number;
  /** The file's size, as written through this log (and found at opening). */
  private fileBytes = 0;
  /** The newest event's JSON line, once formatted: for the file and every watcher that takes lines, formatted once. */
  private newestLine: { event: LoggedEvent; line: string } | undefined;

  constructor(options: EventLogOptions) {
    this.peerId = options.peerId;
    this.incarnation = options.incarnation ?? 1;
    this.wallClock = options.wallClock ?? (() => new Date());
    this.maxInMemory = options.maxInMemory ?? EVENTS_IN_MEMORY_DEFAULT;
    this.maxFileBytes = options.maxFileBytes ?? EVENTS_FILE_MAX_BYTES_DEFAULT;
    this.file = options.file;
    if (options.file !== undefined) {
      mkdirSync(dirname(options.file), { recursive: true });
      this.fd = openSync(options.file, 'a');
      this.fileBytes = fstatSync(this.fd).size;
    }
  }

  /** Closes the file (after writing what is pending); later events are kept in memory only. */
  close(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private readonly flushAtEndOfTask = (): void => {
    this.flushAtTaskEnd = false;
    this.flush();
  };

  private readonly flushOnTimer = (): void => {
    this.flushTimer = undefined;
    this.flush();
  };

  /** Writes the lines appended since the last flush, in one write. */
  private flush(): void {
    if (this.pendingLines === '' || this.fd === undefined) return;
    const lines = this.pendingLines;
    this.pendingLines = '';
    this.fileBytes += writeSync(this.fd, lines);
    if (this.fileBytes >= this.maxFileBytes) this.rotate();
  }

  /** Moves the full file aside (whole lines only: it is rotated between writes) and starts a new one. */
  private rotate(): void {
    if (this.fd === undefined || this.file === undefined) return;
    closeSync(this.fd);
    renameSync(this.file, rotatedFileOf(this.file));
    this.fd = openSync(this.file, 'a');
    this.fileBytes = 0;
  }

  append(entry: Omit<LoggedEvent, 'sequence' | 'peerId' | 'wallTime'>): LoggedEvent {
    this.appended += 1;
    const event: LoggedEvent = {
      sequence: this.appended,
      peerId: this.peerId,
      kind: entry.kind,
      stamp: entry.stamp,
      wallTime: this.wallClock(),
      algorithm: entry.algorithm,
      label: entry.label,
      remotePeerId: entry.remotePeerId,
      messageId: entry.messageId,
    };
    this.events.push(event);
    // Forget the oldest tenth at once rather than one by one: a shift per append would copy the array each time.
    if (this.events.length > this.maxInMemory) this.events.splice(0, Math.ceil(this.maxInMemory / 10));
    if (this.fd !== undefined) {
      this.pendingLines += this.lineOf(event);
      this.scheduleFlush(event.kind === 'receive' ? 'soon' : 'at-task-end');
    }
    // A copy, since a watcher may unwatch as it is called; none to copy in the common case.
    if (this.watchers.size > 0)
      for (const watcher of [...this.watchers]) if (!watcher(event)) this.watchers.delete(watcher);
    return event;
  }

  /**
   * When the pending lines are written. An event that others can see, or that a checker must find after a crash (a
   * send, an entry to or exit from the critical section, a clock adjustment…), is written at the end of the current
   * task (process.nextTick), before the event loop goes on to I/O: a message whose send is logged leaves the process
   * only after its line is in the file, so a peer killed with kill -9 loses no event that anyone else saw. A receive is
   * seen by nobody until the peer acts on it, and acting is logged: its line waits for that write, or at most
   * RECEIVE_LINE_DELAY_MS if nothing follows. So the four replies a lock waits for, and the entry they allow, cost one
   * write, not five; the writes cost more than anything else a peer does for a message, after gRPC itself.
   */
  private scheduleFlush(due: 'at-task-end' | 'soon'): void {
    if (due === 'at-task-end') {
      if (this.flushAtTaskEnd) return;
      this.flushAtTaskEnd = true;
      process.nextTick(this.flushAtEndOfTask);
    } else this.flushTimer ??= setTimeout(this.flushOnTimer, RECEIVE_LINE_DELAY_MS);
  }

  /**
   * Events with a sequence above `afterSequence`, at most `limit`, optionally of one algorithm. From 0, the log as
   * kept: it starts at the oldest event in memory. From a later sequence whose successors were dropped from memory,
   * ForgottenEventsError: a reader that pages or resumes must not skip events without knowing it.
   */
  page(afterSequence: number, limit: number, algorithm = ''): { events: LoggedEvent[]; more: boolean } {
    this.requireKept(afterSequence);
    // Sequences are consecutive in memory: start at the first one wanted instead of scanning the whole log per page.
    const first = this.events[0]?.sequence ?? 1;
    const found: LoggedEvent[] = [];
    for (let index = Math.max(0, afterSequence + 1 - first); index < this.events.length; index += 1) {
      const event = this.events[index];
      if (algorithm !== '' && event.algorithm !== algorithm) continue;
      if (found.length === limit) return { events: found, more: true };
      found.push(event);
    }
    return { events: found, more: false };
  }

  /**
   * Replays the events after `afterSequence`, then calls the watcher on each new one until `unwatch`. From 0, the log as
   * kept; from a later sequence whose successors were dropped from memory, or past the newest event,
   * ForgottenEventsError.
   */
  watch(afterSequence: number, watcher: EventWatcher): { unwatch(): void } {
    this.requireKept(afterSequence);
    for (const event of this.events)
      if (event.sequence > afterSequence && !watcher(event)) return { unwatch: () => undefined };
    this.watchers.add(watcher);
    return { unwatch: () => this.watchers.delete(watcher) };
  }

  /**
   * The event's line as the log file has it (formatEventLine). The newest event's is kept from its append, when the
   * file and the watchers that take lines ask for it; an older one (a replay) is formatted again: keeping every line
   * would double what the events in memory take.
   */
  lineOf(event: LoggedEvent): string {
    if (this.newestLine?.event === event) return this.newestLine.line;
    const line = formatEventLine(event, this.incarnation);
    if (event.sequence === this.appended) this.newestLine = { event, line };
    return line;
  }

  /** The oldest sequence still in memory (1 until the first events are dropped; size + 1 while empty). */
  get oldestKept(): number {
    return this.events[0]?.sequence ?? this.appended + 1;
  }

  /**
   * Refuses a reader's starting point that this log cannot honour: past its newest event (a sequence from another peer
   * or an earlier incarnation, whose log counted from 1 again; or made up), or before events dropped from memory.
   */
  private requireKept(afterSequence: number): void {
    if (afterSequence > this.appended)
      throw new ForgottenEventsError(
        `sequence ${afterSequence} is past this log's newest event (${this.appended}); a restarted peer numbers ` +
          'its events from 1 again: start from 0',
      );
    if (afterSequence === 0 || afterSequence + 1 >= this.oldestKept) return;
    throw new ForgottenEventsError(
      `the events after sequence ${afterSequence} are no longer in memory: this peer keeps the newest ` +
        `${this.maxInMemory} (from sequence ${this.oldestKept}); its event-log file keeps them all`,
    );
  }

  /** How many events were ever appended (the last sequence). */
  get size(): number {
    return this.appended;
  }

  /** The event of a sequence, if still in memory. */
  get(sequence: number): LoggedEvent | undefined {
    const first = this.events[0]?.sequence ?? 1;
    return this.events[sequence - first];
  }

  /** The newest event of `kind` with `messageId`, searching back from the end. */
  find(kind: EventKindName, messageId: string): LoggedEvent | undefined {
    for (let index = this.events.length - 1; index >= 0; index -= 1) {
      const event = this.events[index];
      if (event.kind === kind && event.messageId === messageId) return event;
    }
    return undefined;
  }
}

/**
 * The JSON-lines form, one line: plain fields plus a `shiviz` line (host, vector clock as JSON, description). Written
 * out by hand, the same text as JSON.stringify of those fields would give (event-log.spec checks it): this runs for
 * every event, and building an object to stringify cost several times more.
 */
export function formatEventLine(event: LoggedEvent, incarnation: number): string {
  const wallTime = isoTime(event.wallTime);
  const label = JSON.stringify(event.label);
  // The shiviz field holds the vector as JSON inside a JSON string: its quotes escaped, as JSON.stringify would.
  let vector = '';
  for (const [peerId, count] of event.stamp.vector)
    vector += `${vector === '' ? '' : ','}\\"peer-${peerId}\\":${count}`;
  return (
    `{"sequence":${event.sequence},"peer":${event.peerId},"incarnation":${incarnation},"kind":"${event.kind}",` +
    `"lamport":${event.stamp.lamport},"vector":"${event.stamp.vectorText}","wallTime":"${wallTime}",` +
    `"algorithm":${JSON.stringify(event.algorithm)},"label":${label}` +
    (event.remotePeerId === undefined ? '' : `,"remotePeer":${event.remotePeerId}`) +
    (event.messageId === undefined ? '' : `,"messageId":${JSON.stringify(event.messageId)}`) +
    `,"shiviz":"${wallTime} peer-${event.peerId} {${vector}} ${label.slice(1, -1)}"}\n`
  );
}

const SHIVIZ_FIELD = ',"shiviz":"';

/**
 * A line of formatEventLine without its `shiviz` field, for a watcher that reads the fields (WatchEvents'
 * `without_shiviz`): the same JSON object otherwise. The field is the line's last, and its text cannot hold the
 * characters `,"shiviz":"` unescaped, so the last such characters start it.
 */
export function lineWithoutShiviz(line: string): string {
  const start = line.lastIndexOf(SHIVIZ_FIELD);
  return start < 0 ? line : `${line.slice(0, start)}}\n`;
}

/** Date.toISOString, remembered for the last millisecond asked: a busy peer logs many events in one. */
let lastIsoMs = Number.NaN;
let lastIsoText = '';
function isoTime(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastIsoMs) {
    lastIsoMs = ms;
    lastIsoText = date.toISOString();
  }
  return lastIsoText;
}
