import { MutexServiceClient, type Envelope } from '@distlab/contracts/mutex/v1/mutex';
import { unaryCall, type Logger } from '@distlab/grpc-kit';
import {
  RicartAgrawala,
  type MutexCore,
  type MutexCoreFactory,
  type MutexMessage,
  type MutexOutput,
} from '@distlab/mutex';
import {
  envelopeMetadata,
  MembershipNotReadyError,
  type EventLog,
  type LogicalClocks,
  type MembershipChange,
  type PeerLinks,
} from '../messaging';
import type { PeerState } from '../peer-state';
import { labMetrics } from '../peer-metrics';
import { MutexExchange, type ExchangedMessage } from './mutex-exchange';

export const ALGORITHM = 'ricart-agrawala';
/** Clients that may wait in Acquire on one peer before more are refused. */
export const MAX_WAITING_CLIENTS = 1000;

/** More clients wait than the driver's limit (MAX_WAITING_CLIENTS unless configured). */
export class TooManyWaitersError extends Error {}
/** Release with a token this peer does not hold (never held, released, or its lease ran out). */
export class NotHoldingError extends Error {}
/** The peer is shutting down: waiting clients are turned away. */
export class ShuttingDownError extends Error {}

export interface Grant {
  fencingToken: number;
  requestTimestamp: number;
  leaseExpireTime: Date;
}

interface Waiter {
  leaseMs: number;
  /** performance.now() at Acquire, for the wait metric. */
  sinceMs: number;
  clientName: string;
  grant(grant: Grant): void;
  fail(error: Error): void;
}

interface Holder {
  fencingToken: number;
  clientName: string;
  enteredAtMs: number;
  leaseTimer: NodeJS.Timeout;
}

/**
 * How the core's messages travel: `stream`, frames on one MutexService.Exchange stream per peer (the default, and the
 * fast one); `unary`, one Request or Reply call each, the envelope in each call's metadata (the textbook shape, kept to
 * compare with).
 */
export type MutexTransport = 'stream' | 'unary';

export interface MutexDriverOptions {
  links: PeerLinks;
  clocks: LogicalClocks;
  log: EventLog;
  state: PeerState;
  logger: Logger;
  /** This peer's clock, for lease expiry times. */
  wallClock: () => Date;
  /** Clients that may wait in Acquire before more are refused; MAX_WAITING_CLIENTS by default. */
  maxWaitingClients?: number;
  /** `stream` by default. */
  transport?: MutexTransport;
  /** The core to drive: libs/mutex's Ricart–Agrawala by default, or a user's (`--mutex-core FILE`). */
  coreFactory?: MutexCoreFactory;
}

/** The reference core. */
const REFERENCE_CORE: MutexCoreFactory = (options) => new RicartAgrawala(options);

/**
 * The thin driver of libs/mutex's Ricart–Agrawala core on a peer: client Acquire calls queue here (one core request
 * at a time serves them in order), messages from peers are fed to the core, the core's messages are delivered with
 * retries (its transport assumption), entries and exits are logged, fencing tokens are kept durably, and a hold ends
 * at Release or when its lease runs out. Membership changes (joins, removals, restarts noticed in any message's
 * envelope) are passed on. Nothing here decides who enters: the core does.
 */
export class MutexDriver {
  private readonly core: MutexCore;
  private readonly waiters: Waiter[] = [];
  private holder: Holder | undefined;
  private entries = 0;
  private deliveries = new Set<Promise<unknown>>();
  private stopping = false;
  private readonly unsubscribe: () => void;
  /** With the `stream` transport: the core's messages travel on one Exchange stream per peer. */
  private readonly exchange: MutexExchange | undefined;

  constructor(private readonly options: MutexDriverOptions) {
    this.exchange = options.transport === 'unary' ? undefined : new MutexExchange(options.links);
    this.core = (options.coreFactory ?? REFERENCE_CORE)({
      self: options.links.self,
      members: options.links.members(),
      incarnation: options.state.incarnation,
      fencingTokenSeen: options.state.fencingTokenSeen,
    });
    this.unsubscribe = options.links.onChange((change) => this.onMembershipChange(change));
  }

  get self(): number {
    return this.options.links.self;
  }

  /** Waits for the critical section on behalf of a client; an aborted signal withdraws the claim. */
  acquire(leaseMs: number, clientName: string, signal?: AbortSignal): Promise<Grant> {
    if (this.stopping) return Promise.reject(new ShuttingDownError('this peer is shutting down'));
    if (this.options.links.discovery?.ready === false)
      return Promise.reject(
        new MembershipNotReadyError('this peer has not yet found its own registration in the registry: try again'),
      );
    const limit = this.options.maxWaitingClients ?? MAX_WAITING_CLIENTS;
    if (this.waiters.length >= limit)
      return Promise.reject(new TooManyWaitersError(`${limit} clients already wait on this peer: try later`));
    return new Promise<Grant>((resolve, reject) => {
      const waiter: Waiter = { leaseMs, sinceMs: performance.now(), clientName, grant: resolve, fail: reject };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', () => this.withdraw(waiter), { once: true });
      this.requestIfIdle();
    });
  }

  release(fencingToken: number, reason = 'released'): number {
    const holder = this.holder;
    if (holder === undefined || holder.fencingToken !== fencingToken) {
      const held = holder === undefined ? 'nothing' : 'another token';
      throw new NotHoldingError(`fencing token ${fencingToken} is not held here (this peer holds ${held})`);
    }
    clearTimeout(holder.leaseTimer);
    this.holder = undefined;
    this.feed(this.core.handle({ kind: 'release' }), reason);
    this.requestIfIdle();
    const heldMs = performance.now() - holder.enteredAtMs;
    labMetrics().lockHoldSeconds.observe(heldMs / 1000);
    return heldMs;
  }

  /** A Request or Reply from a peer. */
  receive(message: MutexMessage): void {
    this.options.links.requireMember(message.from);
    this.feed(this.core.handle({ kind: 'receive', message }));
  }

  describe() {
    return { ...this.core.describe(), waitingClients: this.waiters.length, entries: this.entries };
  }

  /** Graceful stop: waiting clients are turned away, a hold is released, and replies owed are delivered (briefly). */
  async drain(graceMs = 1_000): Promise<void> {
    this.stopping = true;
    for (const waiter of this.waiters.splice(0)) waiter.fail(new ShuttingDownError('this peer is shutting down'));
    if (this.holder !== undefined) this.release(this.holder.fencingToken, 'peer shutting down');
    const pending = Promise.allSettled([...this.deliveries]);
    await Promise.race([pending, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    this.unsubscribe();
    this.exchange?.close();
  }

  private withdraw(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return; // Already granted: the service releases it.
    this.waiters.splice(index, 1);
    waiter.fail(new Error('withdrawn by the client'));
  }

  private requestIfIdle(): void {
    if (this.stopping || this.waiters.length === 0 || this.core.state !== 'released') return;
    this.feed(this.core.handle({ kind: 'acquire' }));
  }

  private onMembershipChange(change: MembershipChange): void {
    const input =
      change.kind === 'joined'
        ? ({ kind: 'member-joined', peerId: change.peerId } as const)
        : change.kind === 'left'
          ? ({ kind: 'member-left', peerId: change.peerId } as const)
          : ({ kind: 'member-restarted', peerId: change.peerId, incarnation: change.incarnation } as const);
    this.feed(this.core.handle(input));
  }

  private feed(outputs: MutexOutput[], exitReason = 'released'): void {
    for (const output of outputs) {
      if (output.kind === 'send') this.send(output.to, output.message);
      else if (output.kind === 'entered') this.onEntered(output.fencingToken, output.requestTimestamp);
      else this.logStep('cs-exit', `exit CS token=${output.fencingToken} (${exitReason})`);
    }
  }

  private onEntered(fencingToken: number, requestTimestamp: number): void {
    this.options.state.recordFencingToken(fencingToken);
    this.entries += 1;
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      // Every client withdrew while the request was out: a request cannot be taken back, so enter and leave at once.
      this.logStep('cs-enter', `enter CS token=${fencingToken} (no client waits any more)`);
      this.feed(this.core.handle({ kind: 'release' }), 'no client waits');
      this.requestIfIdle();
      return;
    }
    this.logStep('cs-enter', `enter CS token=${fencingToken} for ${waiter.clientName || 'a client'}`);
    const leaseTimer = setTimeout(() => this.release(fencingToken, 'lease expired'), waiter.leaseMs).unref();
    this.holder = { fencingToken, clientName: waiter.clientName, enteredAtMs: performance.now(), leaseTimer };
    labMetrics().lockWaitSeconds.observe((this.holder.enteredAtMs - waiter.sinceMs) / 1000);
    const leaseExpireTime = new Date(this.options.wallClock().getTime() + waiter.leaseMs);
    waiter.grant({ fencingToken, requestTimestamp, leaseExpireTime });
  }

  /** Delivers one of the core's messages: a frame on the Exchange stream, or a unary call; the links stamp it. */
  private send(to: number, message: MutexMessage): void {
    const frame = frameOf(message);
    const label =
      message.kind === 'request' ? `Request(ts=${message.timestamp})` : `Reply(ts=${message.requestTimestamp})`;
    const exchange = this.exchange;
    const links = this.options.links;
    const attempt =
      exchange === undefined
        ? (envelope: Envelope) => {
            const client = links.client(MutexServiceClient, to);
            const metadata = envelopeMetadata(envelope);
            return frame.$case === 'request'
              ? unaryCall(client, 'request', frame.value, { metadata })
              : unaryCall(client, 'reply', frame.value, { metadata });
          }
        : (envelope: Envelope) => exchange.send(to, frame, envelope);
    const delivery = links.deliver(to, { algorithm: ALGORITHM, label }, attempt);
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }

  private logStep(kind: 'cs-enter' | 'cs-exit', label: string): void {
    this.options.log.append({ kind, stamp: this.options.clocks.tick(), algorithm: ALGORITHM, label });
  }
}

/** A core message as its RPC's request, in the form a frame carries it. */
function frameOf(message: MutexMessage): ExchangedMessage {
  if (message.kind === 'request')
    return {
      $case: 'request',
      value: {
        fromPeerId: message.from,
        timestamp: String(message.timestamp),
        incarnation: String(message.incarnation),
      },
    };
  return {
    $case: 'reply',
    value: {
      fromPeerId: message.from,
      requestTimestamp: String(message.requestTimestamp),
      requesterIncarnation: String(message.requesterIncarnation),
      incarnation: String(message.incarnation),
      fencingTokenSeen: String(message.fencingTokenSeen),
    },
  };
}
