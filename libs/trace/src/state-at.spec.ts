import { buildDiagram, parseEventLine, processStatesAt, type TraceEvent } from './index';

// Step-through replays each process's state from the events alone. A hand-made Ricart–Agrawala run of three peers
// with real labels: peer 1 and peer 2 both request; peer 2 (the later timestamp) replies to 1 at once, peer 1 defers 2
// until it leaves; peer 3 replies to both. The states at chosen moments are the ones the algorithm says.

const sequences = new Map<number, number>();
function event(
  peer: number,
  kind: TraceEvent['kind'],
  lamport: number,
  vector: string,
  label: string,
  remotePeer?: number,
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
      label,
      remotePeer,
    }),
  );
}

const run: TraceEvent[] = [
  event(1, 'send', 1, '1:1', 'send Request(ts=1) to 2', 2),
  event(1, 'send', 2, '1:2', 'send Request(ts=1) to 3', 3),
  event(2, 'send', 3, '2:1', 'send Request(ts=3) to 1', 1),
  event(1, 'receive', 4, '1:3,2:1', 'receive Request(ts=3) from 2', 2),
  event(2, 'receive', 5, '1:1,2:2', 'receive Request(ts=1) from 1', 1),
  event(2, 'send', 6, '1:1,2:3', 'send Reply(ts=1) to 1', 1),
  event(3, 'receive', 7, '1:2,3:1', 'receive Request(ts=1) from 1', 1),
  event(3, 'send', 8, '1:2,3:2', 'send Reply(ts=1) to 1', 1),
  event(1, 'receive', 9, '1:4,2:3', 'receive Reply(ts=1) from 2', 2),
  event(1, 'receive', 10, '1:5,2:3,3:2', 'receive Reply(ts=1) from 3', 3),
  event(1, 'cs-enter', 11, '1:6,2:3,3:2', 'enter CS token=7 for ada'),
];

describe('processStatesAt', () => {
  const model = buildDiagram(run);
  const rowOf = (peer: number, sequence: number) =>
    model.events.findIndex((candidate) => candidate.peer === peer && candidate.sequence === sequence);

  it('shows a requester waiting for the replies it lacks, and the request it defers', () => {
    const states = processStatesAt(model.events, rowOf(1, 3));
    expect(states[0]).toMatchObject({ peer: 1, lamport: 4, vector: '1:3,2:1' });
    expect(states[0].mutex).toEqual({ state: 'wanted', awaiting: [2, 3], deferred: [2], fencingToken: undefined });
    // Peer 3 has logged nothing yet at that moment.
    expect(states[2]).toMatchObject({ peer: 3, row: undefined, lamport: 0 });
  });

  it('shows the holder with its fencing token and the deferred reply, and a peer that replied at once', () => {
    const states = processStatesAt(model.events, model.events.length - 1);
    expect(states[0].mutex).toEqual({ state: 'held', awaiting: [], deferred: [2], fencingToken: '7' });
    expect(states[1].mutex).toEqual({ state: 'wanted', awaiting: [1], deferred: [], fencingToken: undefined });
    expect(states[2]).toMatchObject({ vector: '1:2,3:2', mutex: { state: 'released', deferred: [] } });
  });

  it('reads the leader and its term from leader-changed events, and forgets them in a new life', () => {
    const leader = parseEventLine(
      JSON.stringify({
        peer: 1,
        incarnation: 1,
        sequence: 7,
        kind: 'leader-changed',
        lamport: 12,
        vector: '1:7,2:3,3:2',
        algorithm: 'bully',
        label: 'leader is 3 (term 4)',
      }),
    );
    const reborn = parseEventLine(
      JSON.stringify({
        peer: 1,
        incarnation: 2,
        sequence: 1,
        kind: 'local',
        lamport: 13,
        vector: '1:1',
        algorithm: 'cluster',
        label: 'start',
      }),
    );
    const events = buildDiagram([...run, leader, reborn]).events;
    expect(processStatesAt(events, events.length - 2)[0]).toMatchObject({ leader: 3, term: 4 });
    expect(processStatesAt(events, events.length - 1)[0]).toMatchObject({
      leader: undefined,
      mutex: { state: 'released' },
    });
  });
});
