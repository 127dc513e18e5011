import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

interface Persisted {
  /** How many times this peer has started. */
  incarnation: number;
  /** At least the largest fencing token this peer has granted or seen: a ceiling reserved ahead (see below). */
  fencingTokenSeen: number;
}

/**
 * Fencing tokens are reserved this many at a time: the file records a ceiling above every token granted or seen, and
 * is written again only when a token passes it, instead of once per grant (a write and a rename cost more than the
 * rest of an uncontended entry). Tokens need only increase, so the gap a restart leaves is harmless.
 */
export const FENCING_TOKEN_RESERVATION = 1_000;

/**
 * What a peer must remember across restarts, in one small JSON file: its incarnation (so that the others recognise
 * its new life and drop what they held for the old one) and the largest fencing token it has seen (a holder that
 * crashes would otherwise take the largest token with it, and the next grant could repeat it). Writes go to a temporary
 * file renamed over the old one, so a crash leaves the old state or the new, never half of one; a process crash
 * loses nothing written (the page cache survives it).
 */
export class PeerState {
  private state: Persisted;
  /** The largest fencing token actually granted or seen in this life; the file holds a ceiling above it. */
  private tokenSeen: number;

  private constructor(
    private readonly file: string | undefined,
    state: Persisted,
  ) {
    this.state = state;
    this.tokenSeen = state.fencingTokenSeen;
  }

  /**
   * Loads the state and starts the next incarnation: 1 on the first start, one more on each later one. Without a file
   * (tests), every start is the first.
   */
  static begin(file: string | undefined): PeerState {
    const previous = file === undefined ? undefined : readState(file);
    const state = new PeerState(file, {
      incarnation: (previous?.incarnation ?? 0) + 1,
      fencingTokenSeen: previous?.fencingTokenSeen ?? 0,
    });
    state.save();
    return state;
  }

  get incarnation(): number {
    return this.state.incarnation;
  }

  /** The largest fencing token granted or seen, or after a restart the ceiling the previous life had reserved. */
  get fencingTokenSeen(): number {
    return this.tokenSeen;
  }

  /** Records a fencing token granted or seen; the file is written only when it passes the reserved ceiling. */
  recordFencingToken(token: number): void {
    this.tokenSeen = Math.max(this.tokenSeen, token);
    if (token <= this.state.fencingTokenSeen) return;
    this.state = { ...this.state, fencingTokenSeen: token + FENCING_TOKEN_RESERVATION };
    this.save();
  }

  private save(): void {
    if (this.file === undefined) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const scratch = `${this.file}.${process.pid}.tmp`;
    writeFileSync(scratch, `${JSON.stringify(this.state)}\n`);
    renameSync(scratch, this.file);
  }
}

function readState(file: string): Persisted | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<Persisted>;
  const valid = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
  if (!valid(parsed.incarnation) || !valid(parsed.fencingTokenSeen))
    throw new Error(
      `${file} is not a peer state file (repair it: a peer that restarts as incarnation 1 is ignored by members that knew a later one)`,
    );
  return { incarnation: parsed.incarnation as number, fencingTokenSeen: parsed.fencingTokenSeen as number };
}
