// A complete Ricart–Agrawala core written against the documented interface alone, the way a student would: it
// imports types only, so it runs from any directory (`distlab simulate --algorithm ricart-agrawala --core FILE`).
// The tests copy it out of the workspace to show exactly that, and plant a bug in the copy to see the checks fail.
import type { MutexCore, MutexCoreOptions, MutexInput, MutexMessage, MutexOutput, MutexSnapshot } from '@distlab/mutex';

type Request = { timestamp: number; incarnation: number };

class MyRicartAgrawala implements MutexCore {
  state: 'released' | 'wanted' | 'held' = 'released';
  private lamport = 0;
  private requestTimestamp = 0;
  private readonly members: Set<number>;
  private readonly awaiting = new Set<number>();
  private readonly deferred = new Map<number, Request>();
  private readonly latest = new Map<number, Request>();
  private readonly incarnations = new Map<number, number>();
  private tokenSeen: number;
  private token = 0;

  constructor(private readonly options: MutexCoreOptions) {
    this.members = new Set([...options.members, options.self]);
    this.tokenSeen = options.fencingTokenSeen ?? 0;
  }

  handle(input: MutexInput): MutexOutput[] {
    switch (input.kind) {
      case 'acquire': {
        this.state = 'wanted';
        this.requestTimestamp = ++this.lamport;
        const others = [...this.members].filter((id) => id !== this.options.self);
        others.forEach((id) => this.awaiting.add(id));
        return [...others.map((id) => this.request(id)), ...this.enterIfGranted()];
      }
      case 'release': {
        this.state = 'released';
        const outputs: MutexOutput[] = [{ kind: 'exited', fencingToken: this.token }];
        for (const [id, request] of this.deferred) outputs.push(this.reply(id, request));
        this.deferred.clear();
        return outputs;
      }
      case 'receive':
        return input.message.kind === 'request' ? this.onRequest(input.message) : this.onReply(input.message);
      case 'member-joined':
        this.members.add(input.peerId);
        if (this.state !== 'wanted' || this.awaiting.has(input.peerId)) return [];
        this.awaiting.add(input.peerId);
        return [this.request(input.peerId)];
      case 'member-left':
        this.members.delete(input.peerId);
        this.deferred.delete(input.peerId);
        this.awaiting.delete(input.peerId);
        return this.enterIfGranted();
      case 'member-restarted':
        return this.restarted(input.peerId, input.incarnation);
    }
  }

  describe(): MutexSnapshot {
    return {
      state: this.state,
      requestTimestamp: this.state === 'released' ? 0 : this.requestTimestamp,
      awaiting: [...this.awaiting].sort((a, b) => a - b),
      deferred: [...this.deferred.keys()].sort((a, b) => a - b),
      members: [...this.members].sort((a, b) => a - b),
      fencingToken: this.state === 'held' ? this.token : 0,
      lamportTime: this.lamport,
    };
  }

  private onRequest(message: Extract<MutexMessage, { kind: 'request' }>): MutexOutput[] {
    this.lamport = Math.max(this.lamport, message.timestamp) + 1;
    if ((this.incarnations.get(message.from) ?? 1) > message.incarnation) return []; // from a previous life
    const outputs = this.restarted(message.from, message.incarnation);
    const latest = this.latest.get(message.from);
    if (latest && latest.incarnation === message.incarnation && latest.timestamp > message.timestamp) return outputs;
    const request = { timestamp: message.timestamp, incarnation: message.incarnation };
    this.latest.set(message.from, request);
    const mineFirst =
      this.requestTimestamp < message.timestamp ||
      (this.requestTimestamp === message.timestamp && this.options.self < message.from);
    if (this.state === 'held' || (this.state === 'wanted' && mineFirst)) {
      this.deferred.set(message.from, request); // answered when we leave
      return outputs;
    }
    return [...outputs, this.reply(message.from, request)];
  }

  private onReply(message: Extract<MutexMessage, { kind: 'reply' }>): MutexOutput[] {
    this.tokenSeen = Math.max(this.tokenSeen, message.fencingTokenSeen);
    const outputs = this.restarted(message.from, message.incarnation);
    const current =
      this.state === 'wanted' &&
      message.requestTimestamp === this.requestTimestamp &&
      message.requesterIncarnation === this.options.incarnation;
    if (!current) return outputs;
    this.awaiting.delete(message.from);
    return [...outputs, ...this.enterIfGranted()];
  }

  /** A peer of a newer life lost its state: forget what it asked and what it granted, and ask it again. */
  private restarted(peerId: number, incarnation: number): MutexOutput[] {
    if (!this.members.has(peerId) || incarnation <= (this.incarnations.get(peerId) ?? 1)) return [];
    this.incarnations.set(peerId, incarnation);
    this.deferred.delete(peerId);
    this.latest.delete(peerId);
    if (this.state !== 'wanted') return [];
    this.awaiting.add(peerId);
    return [this.request(peerId)];
  }

  private enterIfGranted(): MutexOutput[] {
    if (this.state !== 'wanted' || this.awaiting.size > 0) return [];
    this.state = 'held';
    this.token = ++this.tokenSeen;
    return [{ kind: 'entered', fencingToken: this.token, requestTimestamp: this.requestTimestamp }];
  }

  private request(to: number): MutexOutput {
    const { self, incarnation } = this.options;
    return {
      kind: 'send',
      to,
      message: { kind: 'request', from: self, timestamp: this.requestTimestamp, incarnation },
    };
  }

  private reply(to: number, request: Request): MutexOutput {
    const message: MutexMessage = {
      kind: 'reply',
      from: this.options.self,
      requestTimestamp: request.timestamp,
      requesterIncarnation: request.incarnation,
      incarnation: this.options.incarnation,
      fencingTokenSeen: this.tokenSeen,
    };
    return { kind: 'send', to, message };
  }
}

export function createMutexCore(options: MutexCoreOptions): MutexCore {
  return new MyRicartAgrawala(options);
}
