import {
  ElectionCore,
  type ElectionAlgorithm,
  type ElectionInput,
  type ElectionMessage,
  type ElectionOutput,
  type PeerId,
} from './index';

/**
 * A small time-stepped network for unit tests: every message takes 1 ms; a send to a crashed process fails back to
 * its sender as `send-failed` after 2 ms (as an RPC error would); every live core is ticked each millisecond.
 */
class Network {
  nowMs = 0;
  readonly cores = new Map<PeerId, ElectionCore>();
  readonly crashed = new Set<PeerId>();
  private queue: Array<{ atMs: number; to: PeerId; input: ElectionInput }> = [];
  messages = 0;
  messagesByKind = new Map<string, number>();

  constructor(ids: PeerId[], algorithm: ElectionAlgorithm) {
    for (const self of ids) this.cores.set(self, new ElectionCore({ self, members: ids, algorithm }));
  }

  input(peerId: PeerId, input: ElectionInput): void {
    if (this.crashed.has(peerId)) return;
    this.apply(peerId, this.cores.get(peerId)!.handle(input));
  }

  /** Lets `ms` milliseconds pass. */
  run(ms: number): void {
    for (let step = 0; step < ms; step += 1) {
      this.nowMs += 1;
      const due = this.queue.filter((entry) => entry.atMs <= this.nowMs);
      this.queue = this.queue.filter((entry) => entry.atMs > this.nowMs);
      for (const entry of due) this.input(entry.to, entry.input);
      for (const peerId of this.cores.keys()) this.input(peerId, { kind: 'tick', nowMs: this.nowMs });
    }
  }

  /** The leader each live process believes in. */
  leaders(): Map<PeerId, PeerId | undefined> {
    return new Map(
      [...this.cores]
        .filter(([peerId]) => !this.crashed.has(peerId))
        .map(([peerId, core]) => [peerId, core.describe().leader]),
    );
  }

  private apply(from: PeerId, outputs: ElectionOutput[]): void {
    for (const output of outputs) {
      if (output.kind !== 'send') continue;
      this.messages += 1;
      this.messagesByKind.set(output.message.kind, (this.messagesByKind.get(output.message.kind) ?? 0) + 1);
      const message: ElectionMessage = output.message;
      if (this.crashed.has(output.to)) {
        this.queue.push({
          atMs: this.nowMs + 2,
          to: from,
          input: { kind: 'send-failed', to: output.to, message, nowMs: this.nowMs + 2 },
        });
      } else {
        this.queue.push({
          atMs: this.nowMs + 1,
          to: output.to,
          input: { kind: 'receive', message, nowMs: this.nowMs + 1 },
        });
      }
    }
  }
}

const ids = (count: number) => Array.from({ length: count }, (_, index) => index + 1);
const agreeOn = (network: Network) => new Set(network.leaders().values());

describe('Bully', () => {
  it('replays the seed lab: 10 processes, 10 crashed, 5 notices → everyone follows 9', () => {
    const network = new Network(ids(10), 'bully');
    network.crashed.add(10);
    network.input(5, { kind: 'start', nowMs: 0 });
    network.run(1000);
    expect(agreeOn(network)).toEqual(new Set([9]));
  });

  it('elects the highest id when all are alive, whoever starts', () => {
    const network = new Network(ids(6), 'bully');
    network.input(1, { kind: 'start', nowMs: 0 });
    network.run(1000);
    expect(agreeOn(network)).toEqual(new Set([6]));
  });

  it('notices a crashed coordinator through heartbeats and elects the next highest', () => {
    const network = new Network(ids(5), 'bully');
    network.run(1000);
    expect(agreeOn(network)).toEqual(new Set([5]));
    network.crashed.add(5);
    network.run(2000);
    expect(agreeOn(network)).toEqual(new Set([4]));
  });

  it('lets a restarted higher process take over again (it bullies the lower leader)', () => {
    const network = new Network(ids(4), 'bully');
    network.crashed.add(4);
    network.run(1500);
    expect(agreeOn(network)).toEqual(new Set([3]));
    network.crashed.delete(4);
    network.cores.set(4, new ElectionCore({ self: 4, members: ids(4), algorithm: 'bully' }));
    network.run(1500);
    expect(agreeOn(network)).toEqual(new Set([4]));
  });

  it('counts the worst case: the lowest process starts with everyone alive', () => {
    const network = new Network(ids(5), 'bully');
    network.input(1, { kind: 'start', nowMs: 0 });
    network.run(50);
    // Each process challenges every higher one and each challenge is answered: n(n − 1)/2 of each. The winner
    // announces itself to all, and once more to each candidate whose challenge reached it after it had won.
    const n = 5;
    expect(agreeOn(network)).toEqual(new Set([n]));
    expect(network.messagesByKind.get('election')).toBe((n * (n - 1)) / 2);
    expect(network.messagesByKind.get('answer')).toBe((n * (n - 1)) / 2);
    expect(network.messagesByKind.get('coordinator')).toBeGreaterThanOrEqual(n - 1);
    expect(network.messagesByKind.get('coordinator')).toBeLessThanOrEqual(2 * (n - 1));
  });
});

describe('failure detection', () => {
  it("sends no heartbeats while the leader's other messages keep coming, and still notices its crash", () => {
    const network = new Network(ids(3), 'bully');
    network.run(1000);
    expect(agreeOn(network)).toEqual(new Set([3]));
    const heartbeats = () => network.messagesByKind.get('heartbeat') ?? 0;
    const before = heartbeats();
    // For a second, the leader's messages (of another algorithm) reach follower 1 every 20 ms; follower 2 hears from 1.
    for (let step = 0; step < 50; step += 1) {
      network.run(20);
      network.input(1, { kind: 'heard-from', peerId: 3, nowMs: network.nowMs });
      network.input(2, { kind: 'heard-from', peerId: 1, nowMs: network.nowMs });
    }
    // Follower 1 sent none; follower 2, which heard nothing from the leader, one every 100 ms.
    expect(heartbeats() - before).toBeGreaterThanOrEqual(9);
    expect(heartbeats() - before).toBeLessThanOrEqual(11);
    network.crashed.add(3);
    network.run(1000);
    expect(agreeOn(network)).toEqual(new Set([2]));
  });
});

describe('re-announcements', () => {
  it('a leader whose followers all heartbeat it re-announces to none; one that stops following gets one', () => {
    const network = new Network(ids(3), 'bully');
    network.run(1000);
    expect(agreeOn(network)).toEqual(new Set([3]));
    const coordinators = () => network.messagesByKind.get('coordinator') ?? 0;
    const before = coordinators();
    network.run(3000); // At rest: heartbeats flow to the leader, nothing flows back but their acknowledgements.
    expect(coordinators() - before).toBe(0);
    // Follower 1 stops heartbeating (as one that follows another leader would): the leader tells it who leads.
    network.input(1, { kind: 'heard-from', peerId: 3, nowMs: network.nowMs + 2000 });
    network.run(1000);
    expect(coordinators() - before).toBeGreaterThanOrEqual(1);
    expect(coordinators() - before).toBeLessThanOrEqual(2);
  });
});

describe('membership changes', () => {
  const join = (network: Network, peerId: PeerId, algorithm: ElectionAlgorithm) => {
    const known = [...network.cores.keys(), peerId];
    network.cores.set(peerId, new ElectionCore({ self: peerId, members: known, algorithm }));
    for (const other of known)
      if (other !== peerId) network.input(other, { kind: 'member-joined', peerId, nowMs: network.nowMs });
  };

  it.each(['bully', 'ring'] as const)(
    '%s: a higher process that joins takes over; a lower one learns the leader',
    (algorithm) => {
      const network = new Network(ids(3), algorithm);
      network.run(1000);
      expect(agreeOn(network)).toEqual(new Set([3]));
      join(network, 4, algorithm);
      network.run(1500);
      expect(agreeOn(network)).toEqual(new Set([4]));
      expect(network.cores.get(1)!.members()).toEqual([1, 2, 3, 4]);

      const network2 = new Network([2, 3], algorithm);
      network2.run(1000);
      join(network2, 1, algorithm);
      network2.run(5); // The leader's announcement to the joiner, not a heartbeat timeout or an election.
      expect(agreeOn(network2)).toEqual(new Set([3]));
    },
  );

  it('elects another leader at once when the leader is taken out, without waiting for heartbeats', () => {
    const network = new Network(ids(5), 'bully');
    network.run(1000);
    expect(agreeOn(network)).toEqual(new Set([5]));
    network.crashed.add(5);
    for (const peerId of ids(4)) network.input(peerId, { kind: 'member-left', peerId: 5, nowMs: network.nowMs });
    // Well inside one heartbeat interval (100 ms) and its timeout (150 ms): nobody waited for a heartbeat to fail.
    network.run(20);
    expect(agreeOn(network)).toEqual(new Set([4]));
    expect(network.cores.get(1)!.members()).toEqual([1, 2, 3, 4]);
  });

  it('passes a ring election around a member taken out, without a failed send to skip it', () => {
    const network = new Network(ids(4), 'ring');
    network.run(1000);
    for (const peerId of [1, 2, 4]) network.input(peerId, { kind: 'member-left', peerId: 3, nowMs: network.nowMs });
    network.cores.delete(3);
    network.input(1, { kind: 'start', nowMs: network.nowMs, algorithm: 'ring' });
    network.run(100);
    expect(agreeOn(network)).toEqual(new Set([4]));
  });
});

describe('Ring', () => {
  it('replays the seed lab: processes 6–8 crashed → the live ring agrees on 5', () => {
    const network = new Network(ids(8), 'ring');
    for (const crashed of [6, 7, 8]) network.crashed.add(crashed);
    network.input(2, { kind: 'start', nowMs: 0 });
    network.run(1000);
    expect(agreeOn(network)).toEqual(new Set([5]));
  });

  it('uses at most 3N messages per election without faults (2N here)', () => {
    const network = new Network(ids(7), 'ring');
    network.input(3, { kind: 'start', nowMs: 0 });
    network.run(40);
    expect(agreeOn(network)).toEqual(new Set([7]));
    const ringMessages =
      (network.messagesByKind.get('ring-election') ?? 0) + (network.messagesByKind.get('ring-coordinator') ?? 0);
    expect(ringMessages).toBe(2 * 7);
    expect(ringMessages).toBeLessThanOrEqual(3 * 7);
  });

  it('elects itself when every other process is unreachable', () => {
    const network = new Network(ids(3), 'ring');
    network.crashed.add(2);
    network.crashed.add(3);
    network.input(1, { kind: 'start', nowMs: 0 });
    network.run(50);
    expect(network.leaders().get(1)).toBe(1);
  });

  it('stops an announcement whose initiator is gone after one round, even when every send fails', () => {
    // Process 1 alone, its links all failing: an announcement from an initiator that is not in the ring must not
    // circle for ever (the fuzz test found a peer spinning on one).
    const core = new ElectionCore({ self: 1, members: [1, 2, 3], algorithm: 'ring' });
    const announcement: ElectionMessage = {
      kind: 'ring-coordinator',
      from: 7,
      initiator: 7,
      leader: 9,
      term: 3,
      participants: [7, 9],
    };
    let outputs = core.handle({ kind: 'receive', message: announcement, nowMs: 0 });
    let sends = 0;
    for (let step = 0; step < 100; step += 1) {
      const send = outputs.find((output) => output.kind === 'send');
      if (send === undefined || send.kind !== 'send') break;
      sends += 1;
      outputs = core.handle({ kind: 'send-failed', to: send.to, message: send.message, nowMs: 0 });
    }
    expect(sends).toBeLessThanOrEqual(2);
    expect(core.describe().leader).toBe(9);
  });
});

describe('terms', () => {
  it('ignore a coordinator announcement older than the leader already known', () => {
    const core = new ElectionCore({ self: 1, members: [1, 2, 3], algorithm: 'bully' });
    core.handle({ kind: 'receive', message: { kind: 'coordinator', from: 3, term: 5 }, nowMs: 0 });
    core.handle({ kind: 'receive', message: { kind: 'coordinator', from: 2, term: 4 }, nowMs: 1 });
    expect(core.describe()).toMatchObject({ leader: 3, term: 5 });
  });

  it('start above every term seen', () => {
    const core = new ElectionCore({ self: 3, members: [1, 2, 3], algorithm: 'bully' });
    core.handle({ kind: 'receive', message: { kind: 'coordinator', from: 3, term: 9 }, nowMs: 0 });
    const outputs = core.handle({ kind: 'start', nowMs: 1 });
    expect(outputs[0]).toEqual({ kind: 'election-started', term: 10, algorithm: 'bully' });
  });
});
