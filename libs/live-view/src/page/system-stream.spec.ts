import type { EventsSeen, SystemView } from '../wire';
import { StreamReader } from './system-stream';

// The page's reading of the bridge's stream (the system's state and how many events there are), as bytes cut anywhere.

const view: SystemView = {
  peers: [],
  processes: [],
  balancer: undefined,
  canControlProcesses: false,
  processNames: [],
  // Not ASCII, so that some cuts fall inside a character.
  demos: ['Grüße ✓'],
};
const encoder = new TextEncoder();

/** A stream as the bridge writes it: a view, two counts with a keep-alive between, and another view. */
const records = [
  JSON.stringify({ view }),
  JSON.stringify({ events: { run: 'a1', seen: 3, forgotten: 0 } }),
  '',
  JSON.stringify({ events: { run: 'a1', seen: 1_200_000, forgotten: 200_000 } }),
  JSON.stringify({ view: { ...view, demos: ['ricart-agrawala'] } }),
];
const stream = encoder.encode(records.map((record) => `${record}\n`).join(''));

type Heard = ['view', string[]] | ['events', EventsSeen];

/** What a reader hears when the stream comes in the pieces that `cuts` (sorted offsets) make. */
function readIn(cuts: number[]): Heard[] {
  const heard: Heard[] = [];
  const reader = new StreamReader({
    onView: (shown) => heard.push(['view', shown.demos]),
    onEventsSeen: (events) => heard.push(['events', events]),
  });
  const bounds = [0, ...cuts, stream.length];
  for (let index = 0; index + 1 < bounds.length; index += 1)
    reader.read(stream.subarray(bounds[index], bounds[index + 1]));
  return heard;
}

const expected: Heard[] = [
  ['view', ['Grüße ✓']],
  ['events', { run: 'a1', seen: 3, forgotten: 0 }],
  ['events', { run: 'a1', seen: 1_200_000, forgotten: 200_000 }],
  ['view', ['ricart-agrawala']],
];

describe('the page reading the stream', () => {
  it('hears every record, however the bytes are cut (one cut anywhere, even inside a character)', () => {
    expect(readIn([])).toEqual(expected);
    for (let cut = 1; cut < stream.length; cut += 1) expect(readIn([cut])).toEqual(expected);
  });

  it('hears the same with the stream in many small pieces', () => {
    // Deterministic pieces of 1 to 7 bytes.
    for (let seed = 1; seed <= 20; seed += 1) {
      const cuts: number[] = [];
      for (let at = seed % 5; at < stream.length; at += 1 + ((at * 31 + seed) % 7)) if (at > 0) cuts.push(at);
      expect(readIn(cuts)).toEqual(expected);
    }
  });

  it('hands on no record until its line is whole', () => {
    const end = stream.length - 5;
    const heard: Heard[] = [];
    const reader = new StreamReader({
      onView: (shown) => heard.push(['view', shown.demos]),
      onEventsSeen: (events) => heard.push(['events', events]),
    });
    reader.read(stream.subarray(0, end));
    expect(heard).toEqual(expected.slice(0, 3));
    reader.read(stream.subarray(end));
    expect(heard).toEqual(expected);
  });
});
