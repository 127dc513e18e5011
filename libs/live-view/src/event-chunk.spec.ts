import {
  countLines,
  dropEvents,
  dropLines,
  eachLine,
  keepLines,
  lastLineStart,
  linesOfChunk,
  sequenceAt,
  takeEvents,
} from './event-chunk';

// What the bridge reads of a run of event lines: its ends, its count, and where to cut it.

const line = (sequence: number, label = 'e') =>
  `{"sequence":${sequence},"peer":3,"incarnation":1,"kind":"local","lamport":${sequence},"vector":"3:${sequence}",` +
  `"label":${JSON.stringify(label)},"shiviz":"x peer-3 {} ${JSON.stringify(label).slice(1, -1)}"}\n`;
const run = (...sequences: number[]) => Buffer.from(sequences.map((sequence) => line(sequence)).join(''));

describe('a run of event lines', () => {
  it('is counted by its newlines and read at both ends', () => {
    const bytes = run(7, 8, 9);
    expect(countLines(bytes)).toBe(3);
    expect(sequenceAt(bytes, 0)).toBe(7);
    expect(sequenceAt(bytes, lastLineStart(bytes))).toBe(9);
    expect(lastLineStart(run(4))).toBe(0);
  });

  it('parses a line whose sequence is not written first, or not as the peers write it', () => {
    expect(sequenceAt(Buffer.from('{"peer":3,"sequence":40}\n'), 0)).toBe(40);
    expect(sequenceAt(Buffer.from('{"sequence": 41}\n'), 0)).toBe(41);
    expect(sequenceAt(Buffer.from('{"sequence":42}\n'), 0)).toBe(42);
  });

  it('is cut after whole lines, alone or in a list of runs', () => {
    const chunk = { bytes: run(1, 2, 3), count: 3 };
    expect(linesOfChunk(dropLines(chunk, 2))).toEqual([line(3).trimEnd()]);
    const chunks = [chunk, { bytes: run(4, 5), count: 2 }];
    const sequences = (kept: { bytes: Buffer; count: number }[]) =>
      kept.flatMap(linesOfChunk).map((text) => (JSON.parse(text) as { sequence: number }).sequence);
    expect(sequences(dropEvents(chunks, 0))).toEqual([1, 2, 3, 4, 5]);
    expect(sequences(dropEvents(chunks, 3))).toEqual([4, 5]);
    expect(sequences(dropEvents(chunks, 4))).toEqual([5]);
    expect(dropEvents(chunks, 5)).toEqual([]);
    expect(linesOfChunk(keepLines(chunk, 1))).toEqual([line(1).trimEnd()]);
    expect(sequences(takeEvents(chunks, 0))).toEqual([]);
    expect(sequences(takeEvents(chunks, 2))).toEqual([1, 2]);
    expect(sequences(takeEvents(chunks, 3))).toEqual([1, 2, 3]);
    expect(sequences(takeEvents(chunks, 4))).toEqual([1, 2, 3, 4]);
    expect(sequences(takeEvents(chunks, 9))).toEqual([1, 2, 3, 4, 5]);
    expect(sequences(takeEvents(dropEvents(chunks, 2), 2))).toEqual([3, 4]);
  });

  it('splits into lines, each with its own sequence, a label with a newline escaped inside it included', () => {
    const bytes = Buffer.from(line(3, 'two\nlines') + line(9));
    expect(eachLine(bytes).map(({ chunk, sequence }) => [chunk.count, sequence])).toEqual([
      [1, 3],
      [1, 9],
    ]);
    expect(linesOfChunk(eachLine(bytes)[0].chunk)).toEqual([line(3, 'two\nlines').trimEnd()]);
  });
});
