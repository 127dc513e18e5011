import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { createClient, unaryCall, type ClientSettings, type Logger } from '@distlab/grpc-kit';
import type { MembershipSource, PeerLinks } from '../messaging';

/** How often the registry is asked who the peers are. */
export const DISCOVERY_INTERVAL_MS = 1_000;
/** How often while this peer has not yet seen its own registration listed. */
const NOT_READY_INTERVAL_MS = 100;
/**
 * Looks asked for by messages from unknown peers start at most this often: a stranger's (or a hostile client's) calls
 * cannot make this peer flood the registry; the regular look covers the rest within DISCOVERY_INTERVAL_MS.
 */
export const REFRESH_MIN_INTERVAL_MS = 250;
/** Unknown peers remembered as asked about (and so answerable as absent); the oldest are forgotten first. */
const LOOKUPS_MAX = 1_024;
const PEER_NAME = /^peer-(\d+)$/;

export interface DiscoveryOptions {
  links: PeerLinks;
  /** The registry's host:port (apps/balancer). */
  registry: string;
  client?: ClientSettings;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Peer discovery through the registry (the name server): every peer registers as "peer-<id>" (peer-server.ts), and
 * this asks the registry for every "peer-*" registration once a second, adding the peers it did not know and
 * updating an address that changed. The membership only grows this way: a registration whose lease ran out is a
 * suspicion, and suspicion never takes a peer out (that would let two processes into the critical section); an
 * operator does, with `distlab cluster remove`. A peer removed so is not added back from the registration it had
 * then, only when it registers anew (a restart, with a new lease).
 */
export class RegistryDiscovery implements MembershipSource {
  private readonly registry: RegistryServiceClient;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failing = false;
  /** The lease each peer was discovered under, and the leases of peers an operator removed. */
  private readonly leaseOf = new Map<number, string>();
  private readonly removedLeases = new Set<string>();
  private readonly unsubscribe: () => void;
  private round: Promise<void> | undefined;
  private sawSelf = false;
  /** Looks started, and the number of the newest completed one. */
  private roundsStarted = 0;
  private lastCompletedRound = 0;
  private lastRefreshAtMs = -Infinity;
  /** The peer ids the newest completed look listed. */
  private listed = new Set<number>();
  /** Unknown peers asked about, with the number of looks started before they were first asked about. */
  private readonly lookups = new Map<number, number>();

  constructor(private readonly options: DiscoveryOptions) {
    this.registry = createClient(RegistryServiceClient, options.registry, {
      ...options.client,
      maxAttempts: 1,
      deadlineMs: 1_000,
    });
    options.links.discovery = this;
    this.unsubscribe = options.links.onChange((change) => {
      const lease = this.leaseOf.get(change.peerId);
      if (change.kind === 'left' && lease !== undefined) this.removedLeases.add(lease);
    });
  }

  /** Asks now, then every interval until stopped. */
  start(): void {
    const loop = async () => {
      await this.discoverOnce();
      // Until its own registration shows, the peer refuses the lock: look more often then.
      const delayMs = this.ready ? (this.options.intervalMs ?? DISCOVERY_INTERVAL_MS) : NOT_READY_INTERVAL_MS;
      if (!this.stopped) this.timer = setTimeout(loop, delayMs).unref();
    };
    void loop();
  }

  /**
   * Ready once a round has listed this peer's own registration: every peer that registered before that round is then
   * known here, and every peer that registers after it will find this one. Of any two peers, one knows the other, and
   * a message from a peer not known yet is refused as UNAVAILABLE (retried) until the next round adds it. So no two
   * peers ask for the critical section without one of them asking the other.
   */
  get ready(): boolean {
    return this.sawSelf;
  }

  refresh(): void {
    const nowMs = performance.now();
    if (nowMs - this.lastRefreshAtMs < REFRESH_MIN_INTERVAL_MS) return;
    this.lastRefreshAtMs = nowMs;
    void this.discoverOnce();
  }

  knownAbsent(peerId: number): boolean {
    const askedAfter = this.lookups.get(peerId);
    if (askedAfter === undefined) {
      if (this.lookups.size >= LOOKUPS_MAX) this.lookups.delete(this.lookups.keys().next().value as number);
      this.lookups.set(peerId, this.roundsStarted);
      return false;
    }
    // A look that started after the first question and did not list the peer: it is not registered.
    return this.ready && this.lastCompletedRound > askedAfter && !this.listed.has(peerId);
  }

  /** One round, or the one under way if any. */
  private discoverOnce(): Promise<void> {
    this.round ??= this.listPeers().finally(() => (this.round = undefined));
    return this.round;
  }

  private async listPeers(): Promise<void> {
    const { links, logger } = this.options;
    const round = ++this.roundsStarted;
    let registrations;
    try {
      ({ registrations } = await unaryCall(this.registry, 'list', { namePrefix: 'peer-' }));
    } catch (error) {
      if (!this.failing) logger.warn({ error: (error as Error).message }, 'registry unreachable: peers not discovered');
      this.failing = true;
      return;
    }
    if (this.failing) logger.info('registry reachable again');
    this.failing = false;
    if (this.stopped) return;
    const listed = new Set<number>();
    for (const registration of registrations) {
      const match = PEER_NAME.exec(registration.name);
      const peerId = match === null ? 0 : Number(match[1]);
      if (peerId === links.self && registration.address !== '') this.sawSelf = true;
      if (!Number.isSafeInteger(peerId) || peerId < 1 || peerId === links.self) continue;
      if (this.removedLeases.has(registration.leaseId)) continue;
      listed.add(peerId);
      this.lookups.delete(peerId);
      const known = links.addressOf(peerId);
      this.leaseOf.set(peerId, registration.leaseId);
      if (known === registration.address) continue;
      links.add(peerId, registration.address);
      logger.info({ peerId, address: registration.address }, known ? 'peer moved' : 'peer discovered');
    }
    this.listed = listed;
    this.lastCompletedRound = Math.max(this.lastCompletedRound, round);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe();
    this.registry.close();
  }
}
