import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FENCING_TOKEN_RESERVATION, PeerState } from './peer-state';

describe('PeerState', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'distlab-state-')), 'peer-1.json');

  it('counts incarnations across restarts, from 1', () => {
    const path = file();
    expect(PeerState.begin(path).incarnation).toBe(1);
    expect(PeerState.begin(path).incarnation).toBe(2);
    expect(PeerState.begin(undefined).incarnation).toBe(1);
  });

  it('never lets a restarted peer grant a token at or below one granted or seen before it died', () => {
    const path = file();
    const first = PeerState.begin(path);
    for (let token = 1; token <= 2_500; token += 1) first.recordFencingToken(token);
    first.recordFencingToken(7); // An older token seen late changes nothing.
    expect(first.fencingTokenSeen).toBe(2_500);
    // No write per token: the file holds a reserved ceiling above the largest token, written only when a token
    // passes it; a larger token below the ceiling leaves the file as it was.
    const written = readFileSync(path, 'utf8');
    const ceiling = (JSON.parse(written) as { fencingTokenSeen: number }).fencingTokenSeen;
    expect(ceiling).toBeGreaterThan(2_500);
    expect(ceiling).toBeLessThanOrEqual(2_500 + FENCING_TOKEN_RESERVATION);
    first.recordFencingToken(2_501);
    expect(first.fencingTokenSeen).toBe(2_501);
    expect(readFileSync(path, 'utf8')).toBe(written);

    const second = PeerState.begin(path); // kill -9 and restart: what the file says is all that is left.
    expect(second.incarnation).toBe(2);
    expect(second.fencingTokenSeen).toBeGreaterThanOrEqual(2_501);
  });

  it('refuses a file that is not a peer state, saying how to repair it', () => {
    const path = file();
    PeerState.begin(path);
    writeFileSync(path, '{"incarnation": -1}');
    expect(() => PeerState.begin(path)).toThrow(/is not a peer state file \(repair it/);
  });
});
