import type { SystemView } from '../wire';
import { EventStore } from './event-store';
import { StreamReader } from './system-stream';

// The page's reading of the bridge's stream, as bytes cut anywhere, and what it keeps of the events.

const line = (sequence: number, label = `event ${sequence}`) =>
  `{"sequence":${sequence},"peer":2,"incarnation":1,"kind":"local","lamport":${sequence},"vector":"2:${sequence}",` +
  `"label":${JSON.stringify(label)}}`;
const view: SystemView = {
  peers: [],
  processes: [],
  balancer: undefined,
  canControlProcesses: false,
  processNames: [],
  demos: [],
};
const encoder = new TextEncoder();

/** A stream as the bridge writes it: a view, two batches with a keep-alive and a reset between, labels not ASCII. */
const records = [
  JSON.stringify({ view }),
  JSON.stringify({ events: 3, id: 'run:3' }),
  line(1),
  line(2, 'Grüße, "quoted"\n and ✓'),
  line(3),
  '',
  JSON.stringify({ reset: 'the view restarted' }),
  JSON.stringify({ events: 2, id: 'run:5' }),
  line(4),
  line(5),
];
const stream = encoder.encode(records.map((record) => `${record}\n`).join(''));

type Heard = ['view'] | ['reset'] | ['events', string[]];

/** What a reader hears when the stream comes in the pieces that `cuts` (sorted offsets) make. */
function readIn(cuts: number[]): { heard: Heard[]; lastBatchId: string } {
  const heard: Heard[] = [];
  const decoder = new TextDecoder();
  const reader = new StreamReader({
    onView: () => heard.push(['view']),
    onReset: () => heard.push(['reset']),
    onEvents: (batch, lines) => {
      const text = decoder.decode(batch).split('\n');
      expect(text.pop()).toBe('');
      expect(text).toHaveLength(lines);
      heard.push(['events', text]);
    },
  });
  const bounds = [0, ...cuts, stream.length];
  for (let index = 0; index + 1 < bounds.length; index += 1)
    reader.read(stream.subarray(bounds[index], bounds[index + 1]));
  return { heard, lastBatchId: reader.lastBatchId };
}

const expected: Heard[] = [
  ['view'],
  ['events', [line(1), line(2, 'Grüße, "quoted"\n and ✓'), line(3)]],
  ['reset'],
  ['events', [line(4), line(5)]],
];

describe('the page reading the stream', () => {
  it('hears the records and whole batches, however the bytes are cut (one cut anywhere, even inside a character)', () => {
    expect(readIn([])).toEqual({ heard: expected, lastBatchId: 'run:5' });
    for (let cut = 1; cut < stream.length; cut += 1) expect(readIn([cut]).heard).toEqual(expected);
  });

  it('hears the same with the stream in many small pieces', () => {
    // Deterministic pieces of 1 to 7 bytes.
    for (let seed = 1; seed <= 20; seed += 1) {
      const cuts: number[] = [];
      for (let at = seed % 5; at < stream.length; at += 1 + ((at * 31 + seed) % 7)) if (at > 0) cuts.push(at);
      expect(readIn(cuts).heard).toEqual(expected);
    }
  });

  it('hands on no batch until it is whole, and says which batch it had last', () => {
    const end = new TextDecoder().decode(stream).indexOf(line(3));
    const { heard, lastBatchId } = readIn([end]);
    expect(heard).toEqual(expected);
    expect(lastBatchId).toBe('run:5');
    const cutOff = new StreamReader({
      onView: () => undefined,
      onReset: () => undefined,
      onEvents: () => {
        throw new Error('a batch cut off was handed on');
      },
    });
    cutOff.read(stream.subarray(0, end));
    expect(cutOff.lastBatchId).toBe('');
  });
});

describe('what the page keeps of the events', () => {
  const batch = (from: number, to: number) => {
    const lines: string[] = [];
    for (let sequence = from; sequence <= to; sequence += 1) lines.push(line(sequence));
    return encoder.encode(lines.map((text) => `${text}\n`).join(''));
  };

  it('gives the newest lines across its batches, decoded only then', () => {
    const store = new EventStore(1_000);
    store.add(batch(1, 3), 3);
    store.add(batch(4, 4), 1);
    store.add(batch(5, 9), 5);
    expect(store.count).toBe(9);
    expect(store.newest(2)).toEqual([line(8), line(9)]);
    expect(store.newest(7)).toEqual([3, 4, 5, 6, 7, 8, 9].map((sequence) => line(sequence)));
    expect(store.newest(100)).toEqual(store.lines());
    expect(store.lines()).toHaveLength(9);
    expect(store.newest(0)).toEqual([]);
  });

  it('holds at most its bound, the oldest batches going first, and counts every event', () => {
    const store = new EventStore(100);
    for (let from = 1; from <= 1_000; from += 10) store.add(batch(from, from + 9), 10);
    expect(store.count).toBe(1_000);
    expect(store.held).toBeLessThanOrEqual(100);
    expect(store.held).toBeGreaterThanOrEqual(90);
    expect(store.held + store.forgotten).toBe(1_000);
    const held = store.lines();
    expect(held[held.length - 1]).toBe(line(1_000));
    expect(held[0]).toBe(line(1_001 - store.held));
    store.clear();
    expect([store.count, store.lines()]).toEqual([0, []]);
  });
});
