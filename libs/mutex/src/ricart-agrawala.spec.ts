import {
  MutexStateError,
  RicartAgrawala,
  type MutexInput,
  type MutexMessage,
  type MutexOutput,
  type PeerId,
} from './index';

/**
 * A tiny reliable FIFO network for unit tests: it delivers every message, checks after each step that at most one
 * process holds the critical section, and counts messages. (The seeded simulator adds delay, loss, partitions and
 * crashes.)
 */
class Cluster {
  readonly cores = new Map<PeerId, RicartAgrawala>();
  readonly queue: Array<{ to: PeerId; message: MutexMessage }> = [];
  readonly entries: Array<{ peerId: PeerId; fencingToken: number; requestTimestamp: number }> = [];
  readonly holders = new Set<PeerId>();
  messages = 0;

  constructor(
    ids: PeerId[],
    make: (self: PeerId, members: PeerId[]) => RicartAgrawala = (self, members) =>
      new RicartAgrawala({ self, members, incarnation: 1 }),
  ) {
    for (const id of ids) this.cores.set(id, make(id, ids));
  }

  input(peerId: PeerId, input: MutexInput): void {
    this.apply(peerId, this.cores.get(peerId)!.handle(input));
  }

  /** Delivers queued messages, in order, until none are left (or `limit`). */
  deliverAll(limit = 10_000): void {
    for (let step = 0; step < limit && this.queue.length > 0; step += 1) {
      const { to, message } = this.queue.shift()!;
      this.input(to, { kind: 'receive', message });
    }
  }

  private apply(peerId: PeerId, outputs: MutexOutput[]): void {
    for (const output of outputs) {
      if (output.kind === 'send') {
        this.messages += 1;
        if (this.cores.has(output.to)) this.queue.push({ to: output.to, message: output.message });
      } else if (output.kind === 'entered') {
        this.holders.add(peerId);
        this.entries.push({ peerId, fencingToken: output.fencingToken, requestTimestamp: output.requestTimestamp });
        if (this.holders.size > 1)
          throw new Error(`mutual exclusion violated: ${[...this.holders].join(' and ')} hold the critical section`);
      } else {
        this.holders.delete(peerId);
      }
    }
  }
}

describe('RicartAgrawala', () => {
  it('grants an uncontended request with exactly 2(N − 1) messages and fencing token 1', () => {
    const cluster = new Cluster([1, 2, 3, 4, 5]);
    cluster.input(3, { kind: 'acquire' });
    cluster.deliverAll();
    expect(cluster.entries).toEqual([{ peerId: 3, fencingToken: 1, requestTimestamp: 1 }]);
    expect(cluster.messages).toBe(2 * (5 - 1));
  });

  it('enters at once when it is the only member', () => {
    const alone = new RicartAgrawala({ self: 7, members: [7], incarnation: 1 });
    expect(alone.handle({ kind: 'acquire' })).toEqual([{ kind: 'entered', fencingToken: 1, requestTimestamp: 1 }]);
  });

  it('grants concurrent requests one at a time, in (timestamp, id) order, with increasing tokens', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.input(3, { kind: 'acquire' });
    cluster.input(2, { kind: 'acquire' });
    cluster.input(1, { kind: 'acquire' });
    cluster.deliverAll();
    for (let round = 0; round < 3; round += 1) {
      const [holder] = [...cluster.holders];
      cluster.input(holder, { kind: 'release' });
      cluster.deliverAll();
    }
    expect(cluster.entries.map((entry) => entry.peerId)).toEqual([1, 2, 3]);
    expect(cluster.entries.map((entry) => entry.fencingToken)).toEqual([1, 2, 3]);
    expect(cluster.messages).toBe(3 * 2 * (3 - 1));
  });

  it('defers its reply while holding, and sends it on release', () => {
    const holder = new RicartAgrawala({ self: 1, members: [1, 2], incarnation: 1 });
    holder.handle({ kind: 'acquire' });
    holder.handle({
      kind: 'receive',
      message: {
        kind: 'reply',
        from: 2,
        requestTimestamp: 1,
        requesterIncarnation: 1,
        incarnation: 1,
        fencingTokenSeen: 0,
      },
    });
    expect(holder.state).toBe('held');
    expect(
      holder.handle({ kind: 'receive', message: { kind: 'request', from: 2, timestamp: 9, incarnation: 1 } }),
    ).toEqual([]);
    expect(holder.describe().deferred).toEqual([2]);
    expect(holder.handle({ kind: 'release' })).toEqual([
      { kind: 'exited', fencingToken: 1 },
      {
        kind: 'send',
        to: 2,
        message: {
          kind: 'reply',
          from: 1,
          requestTimestamp: 9,
          requesterIncarnation: 1,
          incarnation: 1,
          fencingTokenSeen: 1,
        },
      },
    ]);
  });

  it('ignores a duplicated request and a stale reply', () => {
    const core = new RicartAgrawala({ self: 1, members: [1, 2, 3], incarnation: 1 });
    core.handle({ kind: 'acquire' });
    const request = { kind: 'request' as const, from: 2, timestamp: 5, incarnation: 1 };
    core.handle({ kind: 'receive', message: request });
    core.handle({ kind: 'receive', message: request });
    expect(core.describe().deferred).toEqual([2]);
    core.handle({
      kind: 'receive',
      message: {
        kind: 'reply',
        from: 2,
        requestTimestamp: 0,
        requesterIncarnation: 1,
        incarnation: 1,
        fencingTokenSeen: 0,
      },
    });
    expect(core.describe().awaiting).toEqual([2, 3]);
  });

  it('waits for a silent member, and enters once it is removed from the membership', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.cores.delete(3); // Peer 3 crashed: its messages go nowhere.
    cluster.input(1, { kind: 'acquire' });
    cluster.deliverAll();
    expect(cluster.holders.size).toBe(0);
    expect(cluster.cores.get(1)!.describe().awaiting).toEqual([3]);
    cluster.input(1, { kind: 'member-left', peerId: 3 });
    expect([...cluster.holders]).toEqual([1]);
  });

  it('asks a restarted member again, since it lost the request', () => {
    const core = new RicartAgrawala({ self: 1, members: [1, 2], incarnation: 1 });
    core.handle({ kind: 'acquire' });
    expect(core.handle({ kind: 'member-restarted', peerId: 2, incarnation: 2 })).toEqual([
      { kind: 'send', to: 2, message: { kind: 'request', from: 1, timestamp: 1, incarnation: 1 } },
    ]);
    expect(core.handle({ kind: 'member-restarted', peerId: 2, incarnation: 2 })).toEqual([]);
  });

  it('drops the deferred request of a member that restarted, and ignores its old incarnation', () => {
    const core = new RicartAgrawala({ self: 1, members: [1, 2], incarnation: 1 });
    core.handle({ kind: 'acquire' });
    core.handle({
      kind: 'receive',
      message: {
        kind: 'reply',
        from: 2,
        requestTimestamp: 1,
        requesterIncarnation: 1,
        incarnation: 1,
        fencingTokenSeen: 0,
      },
    });
    core.handle({ kind: 'receive', message: { kind: 'request', from: 2, timestamp: 4, incarnation: 1 } });
    core.handle({ kind: 'member-restarted', peerId: 2, incarnation: 2 });
    expect(core.describe().deferred).toEqual([]);
    expect(
      core.handle({ kind: 'receive', message: { kind: 'request', from: 2, timestamp: 5, incarnation: 1 } }),
    ).toEqual([]);
  });

  it('asks a member that joins while it waits', () => {
    const core = new RicartAgrawala({ self: 1, members: [1, 2], incarnation: 1 });
    core.handle({ kind: 'acquire' });
    expect(core.handle({ kind: 'member-joined', peerId: 9 })).toEqual([
      { kind: 'send', to: 9, message: { kind: 'request', from: 1, timestamp: 1, incarnation: 1 } },
    ]);
    expect(core.describe().awaiting).toEqual([2, 9]);
  });

  it('refuses an acquire while not released and a release while not holding', () => {
    const core = new RicartAgrawala({ self: 1, members: [1, 2], incarnation: 1 });
    expect(() => core.handle({ kind: 'release' })).toThrow(new MutexStateError('released', 'release'));
    core.handle({ kind: 'acquire' });
    expect(() => core.handle({ kind: 'acquire' })).toThrow('cannot acquire while wanted');
  });

  it('lets the checker catch a broken variant that replies while holding', () => {
    class RepliesWhileHolding extends RicartAgrawala {
      protected override shouldDefer(): boolean {
        return false;
      }
    }
    const cluster = new Cluster([1, 2], (self, members) => new RepliesWhileHolding({ self, members, incarnation: 1 }));
    cluster.input(1, { kind: 'acquire' });
    cluster.deliverAll();
    cluster.input(2, { kind: 'acquire' });
    expect(() => cluster.deliverAll()).toThrow('mutual exclusion violated');
  });
});
