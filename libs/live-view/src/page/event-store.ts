/// <reference lib="dom" />
import { HeldRuns } from '../held-runs';

const NEWLINE = 0x0a;

/**
 * The events the page holds, as the bytes the bridge sent: one run per batch of whole lines (each event the peer's
 * log line, ending in a newline), not a string per event. A busy cluster sends the page some fifteen thousand events a
 * second; decoding and splitting every one cost the browser more than drawing the diagram, which only ever reads the
 * newest few thousand. So a line is decoded only when it is asked for (`newest`, `lines`), and a batch costs the page
 * one copy and a count of its newlines.
 *
 * It holds at most `maxHeld` events (HeldRuns: the oldest batches go first) and counts every one it was given, so an
 * hour of a busy cluster does not fill the browser's memory.
 */
export class EventStore {
  private readonly runs: HeldRuns<{ readonly bytes: Uint8Array; readonly count: number }>;
  private readonly decoder = new TextDecoder();

  constructor(maxHeld: number) {
    this.runs = new HeldRuns(maxHeld);
  }

  /** Events held now. */
  get held(): number {
    return this.runs.held;
  }

  /** Events given and no longer held. */
  get forgotten(): number {
    return this.runs.forgotten;
  }

  /** Every event given since the start (or the last clear), held or not. */
  get count(): number {
    return this.runs.count;
  }

  /** Adds a batch: whole lines, `lines` of them. */
  add(batch: Uint8Array, lines: number): void {
    if (lines > 0) this.runs.add({ bytes: batch, count: lines });
  }

  /** The newest `wanted` events held (fewer when fewer are held), oldest first, each its line without the newline. */
  newest(wanted: number): string[] {
    const texts: string[] = [];
    let remaining = Math.min(wanted, this.held);
    const runs = this.runs.runs;
    for (let index = runs.length - 1; index >= 0 && remaining > 0; index -= 1) {
      const { bytes, count } = runs[index];
      if (count <= remaining) {
        texts.push(this.decoder.decode(bytes));
        remaining -= count;
        continue;
      }
      // The last `remaining` lines of this run: after the newline that ends the line before them.
      let start = bytes.length - 1;
      for (let found = 0; found < remaining; found += 1) start = bytes.lastIndexOf(NEWLINE, start - 1);
      texts.push(this.decoder.decode(bytes.subarray(start + 1)));
      remaining = 0;
    }
    return texts.reverse().flatMap(splitLines);
  }

  /** Every event held, oldest first. */
  lines(): string[] {
    return this.newest(this.held);
  }

  clear(): void {
    this.runs.clear();
  }
}

/** The lines of whole-line text (each ending in a newline), without their newlines. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

/** How many newlines `bytes` holds from `from` on, at most `most`, and where the last one counted ends. */
export function takeLines(bytes: Uint8Array, from: number, most: number): { lines: number; end: number } {
  let lines = 0;
  let end = from;
  for (; lines < most; lines += 1) {
    const at = bytes.indexOf(NEWLINE, end);
    if (at < 0) break;
    end = at + 1;
  }
  return { lines, end };
}

/**
 * The pieces as one array. One piece is kept as it is when it is most of the chunk it views (a busy stream's chunks
 * are nearly all event lines), and copied when it is a small part: kept, it would keep all of its chunk alive.
 */
export function joinBytes(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 1) {
    const piece = pieces[0];
    return piece.length * 2 >= piece.buffer.byteLength ? piece : piece.slice();
  }
  const joined = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    joined.set(piece, at);
    at += piece.length;
  }
  return joined;
}
