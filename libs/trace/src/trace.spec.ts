import {
  checkLogicalClocks,
  checkMessagesPerEntry,
  checkMutualExclusion,
  parseEventLine,
  type TraceEvent,
} from './index';

// The checkers on hand-made logs of two peers: a correct Ricart–Agrawala exchange passes; the same logs with a
// holder that did not wait, or with a vector that does not follow happened-before, fail.

let sequences = new Map<number, number>();
function event(
  peer: number,
  kind: TraceEvent['kind'],
  lamport: number,
  vector: string,
  extra: Partial<TraceEvent> = {},
) {
  const sequence = (sequences.get(peer) ?? 0) + 1;
  sequences.set(peer, sequence);
  return parseEventLine(
    JSON.stringify({
      peer,
      incarnation: 1,
      sequence,
      kind,
      lamport,
      vector,
      algorithm: 'ricart-agrawala',
      label: kind,
      ...extra,
    }),
  );
}

/** Peer 1 requests, 2 replies, 1 enters and leaves; then 2 requests, 1 replies, 2 enters and leaves. */
function correctRun(): TraceEvent[] {
  sequences = new Map();
  return [
    event(1, 'send', 1, '1:1', { messageId: 'a', remotePeer: 2 }),
    event(2, 'receive', 2, '1:1,2:1', { messageId: 'a', remotePeer: 1 }),
    event(2, 'send', 3, '1:1,2:2', { messageId: 'b', remotePeer: 1 }),
    event(1, 'receive', 4, '1:2,2:2', { messageId: 'b', remotePeer: 2 }),
    event(1, 'cs-enter', 5, '1:3,2:2'),
    event(1, 'cs-exit', 6, '1:4,2:2'),
    event(2, 'send', 4, '1:1,2:3', { messageId: 'c', remotePeer: 1 }),
    event(1, 'receive', 7, '1:5,2:3', { messageId: 'c', remotePeer: 2 }),
    event(1, 'send', 8, '1:6,2:3', { messageId: 'd', remotePeer: 2 }),
    event(2, 'receive', 9, '1:6,2:4', { messageId: 'd', remotePeer: 1 }),
    event(2, 'cs-enter', 10, '1:6,2:5'),
    event(2, 'cs-exit', 11, '1:6,2:6'),
  ];
}

describe('the event-log checkers', () => {
  it('pass a correct run: exclusion, 2(N − 1) messages per entry, clocks consistent with happened-before', () => {
    const run = correctRun();
    expect(checkMutualExclusion(run)).toMatchObject({ passed: true, violations: [] });
    expect(checkMessagesPerEntry(run, 2)).toMatchObject({ passed: true });
    expect(checkLogicalClocks(run)).toMatchObject({ passed: true, violations: [] });
  });

  it('find two holders when one entered before the other’s exit reached it', () => {
    const run = correctRun();
    // Peer 2 enters before receiving the reply that peer 1 sent on leaving: its enter is concurrent with 1's section.
    sequences = new Map([[2, 3]]);
    const early = [...run.slice(0, 7), event(2, 'cs-enter', 5, '1:1,2:4'), event(2, 'cs-exit', 6, '1:1,2:5')];
    const result = checkMutualExclusion(early);
    expect(result.passed).toBe(false);
    expect(result.violations[0]).toContain('two holders');
  });

  it('find a vector that does not follow happened-before, and a Lamport time that goes back', () => {
    const run = correctRun();
    run[3] = { ...run[3], vector: new Map([[1, 2]]), lamport: 1 };
    const result = checkLogicalClocks(run);
    expect(result.passed).toBe(false);
    expect(result.violations.join('\n')).toMatch(/Lamport: .* but L 3 ≥ 1/);
    expect(result.violations.join('\n')).toMatch(/vector: peer 1 #2/);
  });

  it('end a holder’s section at its crash: a later holder must have heard from the crashed peer’s next life', () => {
    sequences = new Map();
    const crashed = [
      event(1, 'send', 1, '1:1', { messageId: 'a' }),
      event(2, 'receive', 2, '1:1,2:1', { messageId: 'a' }),
      event(2, 'send', 3, '1:1,2:2', { messageId: 'b' }),
      event(1, 'receive', 4, '1:2,2:2', { messageId: 'b' }),
      event(1, 'cs-enter', 5, '1:3,2:2'), // …and peer 1 dies here, holding.
    ];
    // Peer 1's next life replies to peer 2, which then enters: ordered after the crash.
    const reply = parseEventLine(
      JSON.stringify({
        peer: 1,
        incarnation: 2,
        sequence: 1,
        kind: 'send',
        lamport: 1,
        vector: '1:1',
        algorithm: 'ricart-agrawala',
        label: 'Reply',
        messageId: 'c',
      }),
    );
    const heard = [
      ...crashed,
      reply,
      event(2, 'receive', 4, '1:1,2:3', { messageId: 'c' }),
      event(2, 'cs-enter', 5, '1:1,2:4'),
      event(2, 'cs-exit', 6, '1:1,2:5'),
    ];
    expect(checkMutualExclusion(heard)).toMatchObject({ passed: true });
    // Without a word from the next life, peer 2 entered while peer 1 may still hold the section.
    sequences = new Map([[2, 3]]);
    const unheard = [...crashed, event(2, 'cs-enter', 4, '1:1,2:4'), event(2, 'cs-exit', 5, '1:1,2:5')];
    expect(checkMutualExclusion(unheard).passed).toBe(false);
  });

  it('count only delivered messages', () => {
    const run = correctRun().filter((entry) => entry.messageId !== 'd' || entry.kind === 'send');
    expect(checkMessagesPerEntry(run, 2).passed).toBe(false);
  });
});
