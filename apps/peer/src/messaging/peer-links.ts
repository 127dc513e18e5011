import type { ChannelOptions, Client } from '@grpc/grpc-js';
import {
  Code,
  createClient,
  isServiceError,
  type ClientConstructor,
  type ClientSettings,
  type Logger,
} from '@distlab/grpc-kit';
import type { Envelope } from '@distlab/contracts/mutex/v1/mutex';
import type { MessageKind } from './envelope';
import { droppedMessageError, hungMessageError, type FaultInjector } from './fault-injector';
import type { MessageStamper } from './message-stamper';
import { PEER_CHANNEL_OPTIONS, watchConnecting } from './peer-channels';

/** Where the membership comes from when it is discovered (the registry), not given. */
export interface MembershipSource {
  /** Whether this peer's view is complete enough to act on: it has seen its own registration listed. */
  readonly ready: boolean;
  /** Look again now (a message came from a peer not known yet); rate-limited by the source. */
  refresh(): void;
  /**
   * Whether a look made since `peerId` was first asked about found it absent: a message from it is then refused for
   * good (FAILED_PRECONDITION), not "try again". A peer that registers later is found by the next look as usual.
   */
  knownAbsent(peerId: number): boolean;
}

/** An algorithm message from a peer that is not a member. */
export class NotMemberError extends Error {}
/** Members come from the registry and this peer's view is not complete yet (or lacks the sender): try again. */
export class MembershipNotReadyError extends Error {}

/** A change of the membership as this peer sees it. */
export type MembershipChange =
  | { kind: 'joined'; peerId: number }
  | { kind: 'left'; peerId: number }
  | { kind: 'restarted'; peerId: number; incarnation: number };

export interface PeerLinksOptions {
  stamper: MessageStamper;
  /** Injected faults (ChaosService): every message goes through them. */
  faults?: FaultInjector;
  /** The other members' addresses by id. */
  members: ReadonlyMap<number, string>;
  client?: ClientSettings;
  logger: Logger;
}

/**
 * How long a message that must arrive may take before it counts as lost and is sent again. Generous: a retry of a
 * message that did arrive is a duplicate (harmless to the algorithms, but one more message in the log), while a peer
 * that is down fails at once (connection refused), not at the deadline.
 */
export const PEER_CALL_DEADLINE_MS = 5_000;
/** Retries of a message that must arrive start this far apart and double up to the maximum. */
const RETRY_FIRST_DELAY_MS = 20;
const RETRY_MAX_DELAY_MS = 1_000;
/** Statuses that say the message certainly arrived and was refused: retrying cannot help. */
const DEFINITE_REFUSALS = new Set([
  Code.INVALID_ARGUMENT,
  Code.FAILED_PRECONDITION,
  Code.NOT_FOUND,
  Code.UNIMPLEMENTED,
  Code.UNAUTHENTICATED,
  Code.PERMISSION_DENIED,
]);

/**
 * This peer's links to the other members, the one way a message leaves: their addresses, one client per member and
 * service, the incarnation each was last heard as, and membership changes for the drivers. A driver sends with one
 * call (`send`, or `deliver` for a message that must arrive), saying what the message is; the links pass it through
 * the injected faults and, as each copy goes, fill its envelope (stamped and logged as a send) for the driver's
 * `attempt` to carry. Channels reconnect quickly, ping their peers, and are replaced when a connection attempt hangs
 * (peer-channels.ts), so that a restarted peer or a healed link is reached again within about a second; the client
 * kit's retries are off, since each algorithm decides what happens to a message that failed.
 */
export class PeerLinks {
  private readonly addresses: Map<number, string>;
  private readonly clients = new Map<string, Client>();
  private readonly watchdogs = new Map<string, { stop(): void }>();
  private readonly incarnations = new Map<number, number>();
  private readonly listeners = new Set<(change: MembershipChange) => void>();
  private readonly hearers = new Set<(peerId: number) => void>();
  private closed = false;
  /** Set when members are discovered through the registry. */
  discovery: MembershipSource | undefined;

  constructor(private readonly options: PeerLinksOptions) {
    this.addresses = new Map([...options.members].filter(([peerId]) => peerId !== options.stamper.peerId));
    options.stamper.observeSenders((peerId, incarnation) => {
      this.noteIncarnation(peerId, incarnation);
      if (this.addresses.has(peerId)) for (const hearer of this.hearers) hearer(peerId);
    });
  }

  get self(): number {
    return this.options.stamper.peerId;
  }

  get incarnation(): number {
    return this.options.stamper.incarnation;
  }

  /** Every member, this peer included, in id order. */
  members(): number[] {
    return [this.self, ...this.addresses.keys()].sort((a, b) => a - b);
  }

  /** The other members, in id order. */
  others(): number[] {
    return [...this.addresses.keys()].sort((a, b) => a - b);
  }

  has(peerId: number): boolean {
    return this.addresses.has(peerId);
  }

  /**
   * Refuses a message from `peerId` unless it is a member: NotMemberError, or under discovery MembershipNotReadyError
   * after asking the registry again (the sender registered after this peer's last look, and retries), until a look
   * made since has found it absent (NotMemberError then). A message is
   * taken only from a member, so that whoever this peer hears from also hears from this peer.
   */
  requireMember(peerId: number): void {
    if (this.addresses.has(peerId)) return;
    if (this.discovery === undefined) throw new NotMemberError(`peer ${peerId} is not a member of this peer's cluster`);
    if (this.discovery.knownAbsent(peerId))
      throw new NotMemberError(`peer ${peerId} is not a member: the registry lists no peer-${peerId}`);
    this.discovery.refresh();
    throw new MembershipNotReadyError(`peer ${peerId} is not known here yet: looking it up in the registry`);
  }

  addressOf(peerId: number): string | undefined {
    return this.addresses.get(peerId);
  }

  /** The incarnation `peerId` was last heard as; 0 when not heard from since this peer started. */
  incarnationOf(peerId: number): number {
    return this.incarnations.get(peerId) ?? 0;
  }

  /** A client of `Constructor`'s service on member `peerId`, for an `attempt` to call. */
  client<C extends Client>(Constructor: ClientConstructor<C>, peerId: number): C {
    const address = this.addresses.get(peerId);
    if (address === undefined) throw new Error(`peer ${peerId} is not a member`);
    const key = `${Constructor.serviceName}/${peerId}`;
    let client = this.clients.get(key) as C | undefined;
    if (client === undefined) {
      client = createClient(Constructor, address, {
        ...this.options.client,
        deadlineMs: PEER_CALL_DEADLINE_MS,
        maxAttempts: 1,
        channelOptions: PEER_CHANNEL_OPTIONS,
      });
      this.clients.set(key, client);
      // A connection attempt lost on a cut link would hang for as long as TCP retries: replace it (peer-channels.ts).
      const stuck = client;
      this.watchdogs.set(
        key,
        watchConnecting(client.getChannel(), () => {
          if (this.clients.get(key) !== stuck) return;
          this.clients.delete(key);
          this.watchdogs.delete(key);
          stuck.close();
        }),
      );
    }
    return client;
  }

  /**
   * A client of `Constructor`'s service on member `peerId` over a connection of its own (not shared with the links'
   * clients, since its channel options differ: `channelOptions` go on top of the links' own), for a watcher that needs,
   * say, faster keepalive pings than the algorithms' traffic. The caller closes it.
   */
  dedicatedClient<C extends Client>(
    Constructor: ClientConstructor<C>,
    peerId: number,
    channelOptions: Partial<ChannelOptions>,
  ): C {
    const address = this.addresses.get(peerId);
    if (address === undefined) throw new Error(`peer ${peerId} is not a member`);
    return createClient(Constructor, address, {
      ...this.options.client,
      deadlineMs: PEER_CALL_DEADLINE_MS,
      maxAttempts: 1,
      channelOptions: { ...PEER_CHANNEL_OPTIONS, ...channelOptions },
    });
  }

  onChange(listener: (change: MembershipChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `hearer` with the sender of every message from a member (of any algorithm): it was alive to send it. */
  onHeard(hearer: (peerId: number) => void): () => void {
    this.hearers.add(hearer);
    return () => this.hearers.delete(hearer);
  }

  /** Adds a member, or updates its address (its clients are then rebuilt). */
  add(peerId: number, address: string): void {
    if (peerId === this.self) return;
    const known = this.addresses.get(peerId);
    if (known === address) return;
    if (known !== undefined) this.closeClientsOf(peerId);
    this.addresses.set(peerId, address);
    if (known === undefined) this.emit({ kind: 'joined', peerId });
  }

  remove(peerId: number): boolean {
    if (!this.addresses.delete(peerId)) return false;
    this.closeClientsOf(peerId);
    this.incarnations.delete(peerId);
    this.emit({ kind: 'left', peerId });
    return true;
  }

  /** Notes the incarnation a member's message carried: a larger one than known means it restarted. */
  noteIncarnation(peerId: number, incarnation: number): void {
    if (!this.addresses.has(peerId)) return;
    const known = this.incarnations.get(peerId);
    if (known !== undefined && incarnation <= known) return;
    this.incarnations.set(peerId, incarnation);
    // The first incarnation heard of is a restart only if it is not the first life (the cores know that rule too).
    if (known !== undefined || incarnation > 1) this.emit({ kind: 'restarted', peerId, incarnation });
  }

  /**
   * Sends one message of `kind` to `to` through the injected faults: a pause holds it, a delay defers it, a drop or a
   * partition fails it as UNAVAILABLE without sending, a hanging link holds it until it heals (or fails it as
   * DEADLINE_EXCEEDED after HANG_LIMIT_MS), a duplication sends it twice (the first answer counts). Each
   * copy is stamped as it goes: `attempt` gets its envelope, filled, to carry in the call's metadata or frame.
   */
  send<T>(to: number, kind: MessageKind, attempt: (envelope: Envelope) => Promise<T>): Promise<T> {
    const stamper = this.options.stamper;
    return this.throughFaults(to, () => attempt(stamper.stampSend(to, kind)));
  }

  /** A probe of `to` (a heartbeat): through the injected faults as a message goes, but with no envelope and no log. */
  probe<T>(to: number, attempt: () => Promise<T>): Promise<T> {
    return this.throughFaults(to, attempt);
  }

  private async throughFaults<T>(to: number, attempt: () => Promise<T>): Promise<T> {
    const faults = this.options.faults;
    // The common case, without a turn of the event loop's promise queue: nothing to wait for or to change.
    if (faults === undefined || faults.isClear(to)) return attempt();
    const copies = await faults.shape(to);
    if (copies === 'hung') throw hungMessageError(to);
    if (copies === 0) throw droppedMessageError(to);
    if (copies === 1) return attempt();
    const [first] = await Promise.all([attempt(), attempt().catch(() => undefined)]);
    return first;
  }

  /**
   * Sends a message that must arrive (the algorithms assume a transport that retries): it is sent again with backoff,
   * each time a new send with its own envelope, until it succeeds, the receiver refuses it definitely, the member is
   * removed, or the links close. Resolves true when it was delivered.
   */
  async deliver(
    peerId: number,
    kind: MessageKind,
    attempt: (envelope: Envelope) => Promise<unknown>,
  ): Promise<boolean> {
    for (let delayMs = RETRY_FIRST_DELAY_MS; !this.closed && this.addresses.has(peerId);) {
      try {
        await this.send(peerId, kind, attempt);
        return true;
      } catch (error) {
        if (isServiceError(error) && DEFINITE_REFUSALS.has(error.code)) {
          this.options.logger.warn({ peerId, message: kind.label, error: error.details }, 'peer refused a message');
          return false;
        }
      }
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, RETRY_MAX_DELAY_MS);
    }
    return false;
  }

  close(): void {
    this.closed = true;
    for (const watchdog of this.watchdogs.values()) watchdog.stop();
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    this.watchdogs.clear();
  }

  private closeClientsOf(peerId: number): void {
    for (const [key, client] of this.clients) {
      if (!key.endsWith(`/${peerId}`)) continue;
      this.watchdogs.get(key)?.stop();
      this.watchdogs.delete(key);
      client.close();
      this.clients.delete(key);
    }
  }

  private emit(change: MembershipChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
