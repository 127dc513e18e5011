import { BackendHealth, BalancerServiceClient, Strategy } from '@distlab/contracts/balancer/v1/balancer';
import { ClusterServiceClient } from '@distlab/contracts/cluster/v1/cluster';
import { createClient, unaryCall, type ClientSettings } from '@distlab/grpc-kit';
import { HealthWatch } from './health-watch';
import { dropEvents, linesOfChunk, takeEvents, type EventChunk } from './event-chunk';
import { HeldRuns } from './held-runs';
import { EVENT_BATCH_WINDOW_MS, failureText, PeerWatch, type EventEncodingName } from './peer-watch';
import type { BalancerView, HealthText, ProcessView, SystemView } from './wire';

export interface LiveSystemOptions {
  /** A peer to learn the cluster's members from (ClusterService.ListMembers), host:port. */
  seedPeer: string;
  /** The balancer (registry and proxy), host:port; its backends join the table. */
  balancer?: string;
  /** Deadline, TLS and token for every call, as the CLI's global options give them. */
  clientSettings: ClientSettings;
  /** How often the mutex, leader, faults and clock of a peer without WatchState are read; 500 ms by default. */
  pollIntervalMs?: number;
  /** Poll every peer's state instead of following WatchState, as before it (for the benchmark's `--polling`). */
  statePolled?: boolean;
  /** The window over which peers batch their events (EVENT_BATCH_WINDOW_MS); 0 asks for one event per message. */
  eventBatchWindowMs?: number;
  /** How the peers are asked to write their events: JSON lines by default (see EventEncodingName). */
  eventEncoding?: EventEncodingName;
  /** Names of processes by address (`distlab up` knows them: "worker-1"); others are named by their service. */
  processNames?: Record<string, string>;
  /** The most events kept for pages that open later; the oldest are forgotten beyond it. 1,000,000 by default. */
  maxEvents?: number;
}

/**
 * What a page connection hears, at most every UPDATE_INTERVAL_MS: that the view changed, and that new events arrived
 * (`seen`: how many there are now, forgotten ones included, as eventsSeen counts), or both at once.
 */
export type LiveListener = (update: { viewChanged: boolean; seen: number | undefined }) => void;

const MEMBERS_INTERVAL_MS = 2_000;
/**
 * The pages hear of a changed view (the system table) and of new events at most this often, both in one write. A busy
 * cluster changes the table with every lock; each update costs the page a piece of its stream in three of Chromium's
 * processes, a layout and a paint, and its diagram is redrawn at most twice a second anyway (four a second cost the
 * renderer about a third more per critical section under full contention, in a throwaway comparison).
 */
const UPDATE_INTERVAL_MS = 500;

/**
 * The running system as the live view watches it: every member peer (found through the seed peer and kept up to date
 * as members come and go), the balancer and its backends. It keeps every event it has seen (the newest maxEvents), in
 * arrival order, numbered from the first: a page reads the ones it draws by their numbers (eventsFrom), and hears how
 * many there are now at most twice a second.
 */
export class LiveSystem {
  /** Every event seen, in arrival order, as the runs of log lines the peers sent; the newest maxEvents kept. */
  private readonly kept: HeldRuns<EventChunk>;
  private readonly peers = new Map<number, PeerWatch>();
  private readonly processHealth = new Map<string, { view: ProcessView; watch: HealthWatch }>();
  private balancerView: BalancerView | undefined;
  private readonly listeners = new Set<LiveListener>();
  private updateTimer: NodeJS.Timeout | undefined;
  private viewPending = false;
  private eventsPending = false;
  private membersTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly cluster: ClusterServiceClient;
  private readonly balancerClient: BalancerServiceClient | undefined;

  constructor(private readonly options: LiveSystemOptions) {
    this.kept = new HeldRuns(options.maxEvents ?? 1_000_000);
    const quick = { ...options.clientSettings, deadlineMs: 2_000, maxAttempts: 1 };
    this.cluster = createClient(ClusterServiceClient, options.seedPeer, quick);
    this.balancerClient =
      options.balancer === undefined ? undefined : createClient(BalancerServiceClient, options.balancer, quick);
    if (options.balancer !== undefined) this.watchProcess('balancer', options.balancer, 'registry and load balancer');
  }

  /** Starts watching; resolves once the members are known (or the seed peer did not answer, which is retried). */
  async start(): Promise<void> {
    await this.refreshMembers();
    await this.refreshBalancer();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.updateTimer);
    clearTimeout(this.membersTimer);
    for (const peer of this.peers.values()) peer.stop();
    for (const { watch } of this.processHealth.values()) watch.stop();
    this.cluster.close();
    this.balancerClient?.close();
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads every peer's state now: a control just changed something. */
  pollNow(): void {
    for (const peer of this.peers.values()) peer.pollNow();
  }

  /** The address of peer `id`, for the controls; undefined when it is not a member. */
  peerAddress(id: number): string | undefined {
    return this.peers.get(id)?.address;
  }

  peerIds(): number[] {
    return [...this.peers.keys()].sort((a, b) => a - b);
  }

  /** Notes which lock the page holds through a peer, so the table can say so and the page can release it. */
  setHeldByPage(peerId: number, fencingToken: string | undefined): void {
    const peer = this.peers.get(peerId);
    if (peer !== undefined) peer.view.heldByPage = fencingToken;
    this.viewChanged();
  }

  view(extra: Pick<SystemView, 'canControlProcesses' | 'processNames' | 'demos'>): SystemView {
    return {
      peers: [...this.peers.values()].map((peer) => peer.view).sort((a, b) => a.peerId - b.peerId),
      processes: [...this.processHealth.values()].map(({ view }) => view),
      balancer: this.balancerView,
      ...extra,
    };
  }

  /** Events forgotten because more than maxEvents arrived. */
  get forgotten(): number {
    return this.kept.forgotten;
  }

  /** How many events were seen since the start, forgotten ones included. */
  get eventsSeen(): number {
    return this.kept.count;
  }

  /**
   * At most `most` events from place `from` on (counted as eventsSeen counts), in runs, and the place of the first:
   * later than `from` when those were forgotten.
   */
  eventsFrom(from: number, most: number): { first: number; chunks: EventChunk[] } {
    const runs = this.kept.runs;
    const first = Math.max(from, this.kept.forgotten);
    // The run that holds event `first`, looked for from the newest back: pages read the newest.
    let index = runs.length;
    let start = this.kept.count;
    while (index > 0 && start > first) {
      index -= 1;
      start -= runs[index].count;
    }
    return { first, chunks: takeEvents(dropEvents(runs.slice(index), first - start), most) };
  }

  /** Every event kept, one JSON line each: for tests. */
  get events(): string[] {
    return this.kept.runs.flatMap(linesOfChunk);
  }

  private addEvents(chunks: readonly EventChunk[]): void {
    for (const chunk of chunks) this.kept.add(chunk);
    this.eventsPending = true;
    this.scheduleUpdate();
  }

  private viewChanged(): void {
    this.viewPending = true;
    this.scheduleUpdate();
  }

  /** Tells the listeners what changed, at most once per UPDATE_INTERVAL_MS. */
  private scheduleUpdate(): void {
    this.updateTimer ??= setTimeout(() => {
      this.updateTimer = undefined;
      const update = { viewChanged: this.viewPending, seen: this.eventsPending ? this.eventsSeen : undefined };
      this.viewPending = this.eventsPending = false;
      for (const listener of this.listeners) listener(update);
    }, UPDATE_INTERVAL_MS);
  }

  private async refreshMembers(): Promise<void> {
    if (this.stopped) return;
    try {
      const listed = await unaryCall(this.cluster, 'listMembers', {});
      for (const member of listed.members) {
        if (this.peers.has(member.peerId)) continue;
        const address = member.peerId === listed.peerId ? this.options.seedPeer : member.address;
        const watch = new PeerWatch(
          member.peerId,
          address,
          {
            clientSettings: this.options.clientSettings,
            pollIntervalMs: this.options.pollIntervalMs ?? 500,
            eventBatchWindowMs: this.options.eventBatchWindowMs ?? EVENT_BATCH_WINDOW_MS,
            eventEncoding: this.options.eventEncoding ?? 'json-lines',
            statePolled: this.options.statePolled ?? false,
          },
          (chunks) => this.addEvents(chunks),
          () => this.viewChanged(),
        );
        this.peers.set(member.peerId, watch);
        watch.start();
      }
      this.viewChanged();
    } catch {
      // The seed peer may be paused or restarting: its members are asked again shortly.
    }
    if (!this.stopped) this.membersTimer = setTimeout(() => void this.refreshMembers(), MEMBERS_INTERVAL_MS);
  }

  private async refreshBalancer(): Promise<void> {
    const address = this.options.balancer;
    if (this.stopped || this.balancerClient === undefined || address === undefined) return;
    try {
      const stats = await unaryCall(this.balancerClient, 'getStats', { serviceName: '' });
      this.balancerView = {
        address,
        strategy: (Strategy[stats.strategy] ?? '').replace('STRATEGY_', '').toLowerCase().replace(/_/g, ' '),
        backends: stats.backends.map((backend) => ({
          service: backend.serviceName,
          address: backend.address,
          health: (BackendHealth[backend.health] ?? '').replace('BACKEND_HEALTH_', ''),
          started: backend.callsStarted,
          succeeded: backend.callsSucceeded,
          failed: backend.callsFailed,
          inFlight: backend.callsInFlight,
        })),
        callsWithoutBackend: stats.callsWithoutBackend,
        error: undefined,
      };
      const peerAddresses = new Set([...this.peers.values()].map((peer) => peer.address));
      for (const backend of stats.backends) {
        // The peers register their greeter with the balancer too; they have their own rows.
        if (peerAddresses.has(backend.address)) continue;
        const short = backend.serviceName.split('.').slice(-1)[0] ?? backend.serviceName;
        const name = this.options.processNames?.[backend.address] ?? short;
        this.watchProcess(name, backend.address, `${short} behind the balancer`);
      }
    } catch (error) {
      if (this.balancerView !== undefined) this.balancerView.error = failureText(error);
    }
    this.viewChanged();
    if (!this.stopped) setTimeout(() => void this.refreshBalancer(), 1_000).unref();
  }

  private watchProcess(name: string, address: string, role: string): void {
    if (this.processHealth.has(address)) return;
    const view: ProcessView = { name, address, role, health: 'CHECKING' as HealthText };
    const watch = new HealthWatch(address, { ...this.options.clientSettings, maxAttempts: 1 }, (health) => {
      view.health = health;
      this.viewChanged();
    });
    this.processHealth.set(address, { view, watch });
    watch.start();
  }
}
