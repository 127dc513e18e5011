/// <reference lib="dom" />

const NEWLINE = 0x0a;

/**
 * The events the page holds, as the bytes the bridge sent: one piece per batch of whole lines (each event the peer's
 * log line, ending in a newline), not a string per event. A busy cluster sends the page some fifteen thousand events a
 * second; decoding and splitting every one cost the browser more than drawing the diagram, which only ever reads the
 * newest few thousand. So a line is decoded only when it is asked for (`newest`, `lines`), and a batch costs the page
 * one copy and a count of its newlines.
 *
 * It holds at most `maxHeld` events (the oldest batches go first, a tenth of them at a time) and counts every one it
 * was given, so an hour of a busy cluster does not fill the browser's memory.
 */
export class EventStore {
  private pieces: Uint8Array[] = [];
  private pieceLines: number[] = [];
  private decoder = new TextDecoder();
  /** Events held now. */
  held = 0;
  /** Events given and no longer held. */
  forgotten = 0;

  constructor(private readonly maxHeld: number) {}

  /** Every event given since the start (or the last clear), held or not. */
  get count(): number {
    return this.forgotten + this.held;
  }

  /** Adds a batch: whole lines, `lines` of them. */
  add(batch: Uint8Array, lines: number): void {
    if (lines === 0) return;
    this.pieces.push(batch);
    this.pieceLines.push(lines);
    this.held += lines;
    if (this.held <= this.maxHeld) return;
    let drop = 0;
    let dropped = 0;
    const keep = this.maxHeld - Math.floor(this.maxHeld / 10);
    for (; drop < this.pieces.length - 1 && this.held - dropped > keep; drop += 1) dropped += this.pieceLines[drop];
    this.pieces.splice(0, drop);
    this.pieceLines.splice(0, drop);
    this.held -= dropped;
    this.forgotten += dropped;
  }

  /** The newest `wanted` events held (fewer when fewer are held), oldest first, each its line without the newline. */
  newest(wanted: number): string[] {
    const texts: string[] = [];
    let remaining = Math.min(wanted, this.held);
    for (let index = this.pieces.length - 1; index >= 0 && remaining > 0; index -= 1) {
      const piece = this.pieces[index];
      const lines = this.pieceLines[index];
      if (lines <= remaining) {
        texts.push(this.decoder.decode(piece));
        remaining -= lines;
        continue;
      }
      // The last `remaining` lines of this piece: after the newline that ends the line before them.
      let start = piece.length - 1;
      for (let found = 0; found < remaining; found += 1) start = piece.lastIndexOf(NEWLINE, start - 1);
      texts.push(this.decoder.decode(piece.subarray(start + 1)));
      remaining = 0;
    }
    return texts.reverse().flatMap(splitLines);
  }

  /** Every event held, oldest first. */
  lines(): string[] {
    return this.newest(this.held);
  }

  clear(): void {
    this.pieces = [];
    this.pieceLines = [];
    this.held = 0;
    this.forgotten = 0;
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
