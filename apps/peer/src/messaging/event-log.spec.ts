import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readEventLogs } from '@distlab/trace';
import { formatVector } from '@distlab/clock';
import {
  EventLog,
  ForgottenEventsError,
  formatEventLine,
  RECEIVE_LINE_DELAY_MS,
  rotatedFileOf,
  type LoggedEvent,
} from './event-log';
import { LogicalClocks } from './logical-clocks';

// The event log's file: lines of one task are written together when the task ends, before the event loop turns to
// I/O (so a message whose send is logged leaves only after its line is in the file); a receive's line waits for the
// next such write or a few milliseconds; nothing is lost at close; each line is the JSON of its fields.

function fixture() {
  const file = join(mkdtempSync(join(tmpdir(), 'distlab-event-log-')), 'peer-1.jsonl');
  const clocks = new LogicalClocks(1);
  const log = new EventLog({ peerId: 1, file });
  const append = (label: string, kind: LoggedEvent['kind'] = 'local') =>
    log.append({ kind, stamp: clocks.tick(), algorithm: 'test', label });
  const lines = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { sequence: number; label: string; shiviz: string });
  return { log, append, lines, file };
}

describe('EventLog file', () => {
  it('writes the lines of a task when it ends, in order, before any I/O callback runs', async () => {
    const { log, append, lines } = fixture();
    append('a');
    append('b');
    expect(lines()).toEqual([]); // Still in the same task.
    await new Promise((resolve) => setImmediate(resolve)); // The check phase: after the task, as socket writes are.
    expect(lines().map((line) => [line.sequence, line.label])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    append('c');
    log.close(); // Close writes what is pending.
    expect(lines().map((line) => line.label)).toEqual(['a', 'b', 'c']);
    expect(lines()[2].shiviz).toMatch(/^\S+ peer-1 \{"peer-1":3\} c$/);
  });

  it('rotates a full file: its lines move to peer-<id>.1.jsonl, whole, and readers find the rest in order', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'distlab-event-log-')), 'peer-1.jsonl');
    const clocks = new LogicalClocks(1);
    const log = new EventLog({ peerId: 1, file, maxFileBytes: 2_000 });
    for (let index = 1; index <= 30; index += 1) {
      log.append({ kind: 'local', stamp: clocks.tick(), algorithm: 'test', label: `event ${index}` });
      await new Promise((resolve) => setImmediate(resolve)); // Each line its own write.
    }
    log.close();
    expect(existsSync(rotatedFileOf(file))).toBe(true);
    expect(statSync(file).size).toBeLessThan(2_000);
    const sequences = readEventLogs(dirname(file)).map((event) => event.sequence);
    // Rotated more than once: the oldest lines are gone; the rest are whole, in order, none repeated.
    expect(sequences.at(-1)).toBe(30);
    expect(sequences[0]).toBeGreaterThan(1);
    expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, index) => sequences[0] + index));
  });

  it('keeps events in memory after close, and writes no more', async () => {
    const { log, append, lines } = fixture();
    append('kept');
    log.close();
    append('memory only');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines().map((line) => line.label)).toEqual(['kept']);
    expect(log.size).toBe(2);
    expect(log.get(2)?.label).toBe('memory only');
  });

  it("writes a receive's line with the next event others can see, or a little later if none follows", async () => {
    const { append, lines } = fixture();
    const nextTick = () => new Promise((resolve) => process.nextTick(resolve));
    append('heard', 'receive');
    await nextTick();
    expect(lines()).toEqual([]); // Nobody has seen it yet: it waits.
    append('answered', 'send');
    await nextTick(); // The send's write takes the receive's line with it, in order.
    expect(lines().map((line) => line.label)).toEqual(['heard', 'answered']);
    append('heard again', 'receive');
    await new Promise((resolve) => setTimeout(resolve, RECEIVE_LINE_DELAY_MS + 20)); // Nothing followed: written soon.
    expect(lines().map((line) => line.label)).toEqual(['heard', 'answered', 'heard again']);
  });
});

describe('formatEventLine', () => {
  /** The line as JSON.stringify makes it from the fields (what formatEventLine writes out by hand). */
  function reference(event: LoggedEvent, incarnation: number): string {
    const vector = Object.fromEntries([...event.stamp.vector].map(([peerId, count]) => [`peer-${peerId}`, count]));
    const wallTime = event.wallTime.toISOString();
    const fields = {
      sequence: event.sequence,
      peer: event.peerId,
      incarnation,
      kind: event.kind,
      lamport: event.stamp.lamport,
      vector: formatVector(event.stamp.vector),
      wallTime,
      algorithm: event.algorithm,
      label: event.label,
      remotePeer: event.remotePeerId,
      messageId: event.messageId,
      shiviz: `${wallTime} peer-${event.peerId} ${JSON.stringify(vector)} ${event.label}`,
    };
    return `${JSON.stringify(fields)}\n`;
  }

  it('writes the same text as JSON.stringify of the fields, whatever the labels hold', () => {
    const clocks = new LogicalClocks(3);
    clocks.receive({
      lamport: 40,
      vector: new Map([
        [5, 2],
        [1, 7],
      ]),
    });
    const labels = ['plain', 'quote " and \\ backslash', 'tab\tnewline\n', 'ünïcode ✓', '\u0000\u001f', '</script>'];
    for (const [index, label] of labels.entries()) {
      const event: LoggedEvent = {
        sequence: index + 1,
        peerId: 3,
        kind: index % 2 === 0 ? 'send' : 'cs-enter',
        stamp: clocks.tick(),
        wallTime: new Date(Date.UTC(2026, 10, 22, 3, 4, 5, index)),
        algorithm: index === 4 ? 'odd "algorithm"' : 'ricart-agrawala',
        label,
        ...(index % 2 === 0 ? { remotePeerId: 5, messageId: `3.1.${index}` } : {}),
      };
      const line = formatEventLine(event, 2);
      expect(line).toBe(reference(event, 2));
      expect(JSON.parse(line).label).toBe(label);
    }
  });
});

describe('EventLog in memory', () => {
  it('keeps the newest events, starts from the oldest kept, and refuses a position whose successors it dropped', () => {
    const clocks = new LogicalClocks(1);
    const log = new EventLog({ peerId: 1, maxInMemory: 10 });
    for (let index = 1; index <= 25; index += 1)
      log.append({ kind: 'local', stamp: clocks.tick(), algorithm: 'test', label: `e${index}` });
    expect(log.oldestKept).toBe(16);
    const sequences = (afterSequence: number) => log.page(afterSequence, 100).events.map((event) => event.sequence);
    expect(sequences(0)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]); // From the start: the log as kept.
    expect(sequences(15)).toEqual(sequences(0)); // Nothing after 15 was dropped.
    expect(sequences(24)).toEqual([25]);
    expect(() => log.page(14, 100)).toThrow(ForgottenEventsError); // Sequence 15 is gone.
    expect(() => log.page(14, 100)).toThrow('no longer in memory: this peer keeps the newest 10 (from sequence 16)');
    expect(() => log.watch(3, () => true)).toThrow(ForgottenEventsError);
    const watched: number[] = [];
    log.watch(23, (event) => watched.push(event.sequence) > 0).unwatch();
    expect(watched).toEqual([24, 25]);
  });
});

describe('EventLog.lineOf', () => {
  it('gives every event the line its file has: the newest as written, an older one formatted again alike', () => {
    const { log, append, file } = fixture();
    const first = append('first');
    const second = append('second, received', 'receive');
    log.close();
    const [firstLine, secondLine] = readFileSync(file, 'utf8').split('\n');
    expect(log.lineOf(second)).toBe(`${secondLine}\n`);
    expect(log.lineOf(first)).toBe(`${firstLine}\n`);
  });

  it('formats a line on demand when there is no file', () => {
    const log = new EventLog({ peerId: 2, incarnation: 3 });
    const event = log.append({ kind: 'local', stamp: new LogicalClocks(2).tick(), algorithm: 'test', label: 'x' });
    expect(log.lineOf(event)).toBe(formatEventLine(event, 3));
    expect(JSON.parse(log.lineOf(event))).toMatchObject({ peer: 2, incarnation: 3, sequence: 1, label: 'x' });
  });
});
