/**
 * Events as the bridge keeps and forwards them: runs of whole lines of the event-log format (docs/event-log-format.md),
 * each ending in a newline, as the peers sent them (WatchEvents in EVENT_ENCODING_JSON_LINES).
 *
 * Why runs of bytes and not events: a busy cluster logs some fifteen thousand events a second, and the bridge has
 * nothing to do with one but hand it on. Decoding, splitting and re-encoding each line cost the bridge more than the
 * rest of its work together; a run is read only where it starts and ends (its first and last sequence), counted by its
 * newlines, and written to the page as the bytes it came in.
 */
export interface EventChunk {
  readonly bytes: Buffer;
  /** How many lines (events) it holds. */
  readonly count: number;
}

const NEWLINE = 0x0a;
const SEQUENCE_PREFIX = Buffer.from('{"sequence":');
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** The number of lines in `bytes` (each ends in a newline). */
export function countLines(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at >= 0; at = bytes.indexOf(NEWLINE, at + 1)) count += 1;
  return count;
}

/** Where the last line of `bytes` starts. */
export function lastLineStart(bytes: Buffer): number {
  return bytes.lastIndexOf(NEWLINE, bytes.length - 2) + 1;
}

/**
 * The sequence of the line starting at `start`. The peers write it first, so it is read there without decoding the
 * line; a line written otherwise is parsed.
 */
export function sequenceAt(bytes: Buffer, start: number): number {
  if (bytes.subarray(start, start + SEQUENCE_PREFIX.length).equals(SEQUENCE_PREFIX)) {
    let value = 0;
    let at = start + SEQUENCE_PREFIX.length;
    for (; at < bytes.length && bytes[at] >= DIGIT_0 && bytes[at] <= DIGIT_9; at += 1)
      value = value * 10 + bytes[at] - DIGIT_0;
    if (bytes[at] === 0x2c /* , */ && at > start + SEQUENCE_PREFIX.length) return value;
  }
  const end = bytes.indexOf(NEWLINE, start);
  const line = bytes.toString('utf8', start, end < 0 ? bytes.length : end);
  return Number((JSON.parse(line) as { sequence: unknown }).sequence);
}

/** The chunk without its first `lines` lines (sharing its memory). */
export function dropLines(chunk: EventChunk, lines: number): EventChunk {
  let start = 0;
  for (let dropped = 0; dropped < lines; dropped += 1) start = chunk.bytes.indexOf(NEWLINE, start) + 1;
  return { bytes: chunk.bytes.subarray(start), count: chunk.count - lines };
}

/** The runs without their first `events` events. */
export function dropEvents(chunks: readonly EventChunk[], events: number): EventChunk[] {
  const kept: EventChunk[] = [];
  let skipped = 0;
  for (const chunk of chunks) {
    if (skipped + chunk.count <= events) skipped += chunk.count;
    else {
      kept.push(skipped < events ? dropLines(chunk, events - skipped) : chunk);
      skipped = events;
    }
  }
  return kept;
}

/** The chunk's first `lines` lines (sharing its memory). */
export function keepLines(chunk: EventChunk, lines: number): EventChunk {
  let end = 0;
  for (let kept = 0; kept < lines; kept += 1) end = chunk.bytes.indexOf(NEWLINE, end) + 1;
  return { bytes: chunk.bytes.subarray(0, end), count: lines };
}

/** The runs' first `events` events. */
export function takeEvents(chunks: readonly EventChunk[], events: number): EventChunk[] {
  const taken: EventChunk[] = [];
  let count = 0;
  for (const chunk of chunks) {
    if (count >= events) break;
    taken.push(count + chunk.count <= events ? chunk : keepLines(chunk, events - count));
    count += taken[taken.length - 1].count;
  }
  return taken;
}

/** The lines of a chunk, without their newlines: for the rare reader that wants them one by one. */
export function linesOfChunk(chunk: EventChunk): string[] {
  if (chunk.count === 0) return [];
  return chunk.bytes.toString('utf8').split('\n').slice(0, chunk.count);
}

/** Splits `bytes` into one chunk per line, each with its sequence: for a run whose sequences are not consecutive. */
export function eachLine(bytes: Buffer): { chunk: EventChunk; sequence: number }[] {
  const lines: { chunk: EventChunk; sequence: number }[] = [];
  for (let start = 0; start < bytes.length;) {
    const end = bytes.indexOf(NEWLINE, start);
    const next = end < 0 ? bytes.length : end + 1;
    lines.push({ chunk: { bytes: bytes.subarray(start, next), count: 1 }, sequence: sequenceAt(bytes, start) });
    start = next;
  }
  return lines;
}
