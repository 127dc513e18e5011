import type { ClientReadableStream } from '@grpc/grpc-js';
import { ChaosServiceClient } from '@distlab/contracts/chaos/v1/chaos';
import { ClockServiceClient, type Event, type WatchEventsResponse } from '@distlab/contracts/clock/v1/clock';
import { TimeServiceClient } from '@distlab/contracts/clock/v1/time';
import { ClusterServiceClient } from '@distlab/contracts/cluster/v1/cluster';
import { ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { MutexServiceClient, MutexState } from '@distlab/contracts/mutex/v1/mutex';
import {
  Code,
  codeName,
  createClient,
  durationToMs,
  isServiceError,
  msToDuration,
  unaryCall,
  type ClientSettings,
} from '@distlab/grpc-kit';
import { toWireEvent } from './event-wire';
import { HealthWatch } from './health-watch';
import type { PeerView, WireEvent } from './wire';

/** How long to wait before opening a stream again after it ended (a peer restarting, paused, or gone). */
const RECONNECT_DELAY_MS = 500;
/**
 * The peers send their events in batches gathered over this window by default: one message per event cost a busy
 * peer half as much CPU again as its algorithm (see the peer's event-stream.ts; `npx nx bench live-view -- --unbatched` measures
 * it). The page redraws twice a second, so 50 ms is not seen.
 */
export const EVENT_BATCH_WINDOW_MS = 50;

const MUTEX_STATES: Record<number, 'released' | 'wanted' | 'held'> = {
  [MutexState.MUTEX_STATE_RELEASED]: 'released',
  [MutexState.MUTEX_STATE_WANTED]: 'wanted',
  [MutexState.MUTEX_STATE_HELD]: 'held',
};

/** Why a call failed, in a few words for the table. */
export function failureText(error: unknown): string {
  return isServiceError(error) ? `${codeName(error.code)}: ${error.details}` : (error as Error).message;
}

/**
 * Everything the live view watches on one peer: its event log (WatchEvents, resumed after the last sequence seen, so
 * no event is lost when the stream breaks), its health (Watch), and, polled, its mutex, leader, faults and clock.
 * Each event is delivered once per life: a restarted peer is a new incarnation whose sequence starts again at 1.
 */
export class PeerWatch {
  readonly view: PeerView;
  private readonly clients: {
    clock: ClockServiceClient;
    cluster: ClusterServiceClient;
    mutex: MutexServiceClient;
    election: ElectionServiceClient;
    chaos: ChaosServiceClient;
    time: TimeServiceClient;
  };
  private readonly health: HealthWatch;
  private stream: ClientReadableStream<WatchEventsResponse> | undefined;
  private stopped = false;
  private pollTimer: NodeJS.Timeout | undefined;
  /** The newest sequence delivered, per incarnation. */
  private readonly lastSequence = new Map<number, number>();

  constructor(
    readonly peerId: number,
    readonly address: string,
    settings: ClientSettings,
    private readonly pollIntervalMs: number,
    /** 0: one event per message, as the peers sent them before batches. */
    private readonly eventBatchWindowMs: number,
    private readonly onEvent: (event: WireEvent) => void,
    private readonly onChange: () => void,
  ) {
    const quick = { ...settings, deadlineMs: Math.min(settings.deadlineMs ?? 2_000, 2_000), maxAttempts: 1 };
    this.clients = {
      clock: createClient(ClockServiceClient, address, quick),
      cluster: createClient(ClusterServiceClient, address, quick),
      mutex: createClient(MutexServiceClient, address, quick),
      election: createClient(ElectionServiceClient, address, quick),
      chaos: createClient(ChaosServiceClient, address, quick),
      time: createClient(TimeServiceClient, address, quick),
    };
    this.view = {
      peerId,
      address,
      health: 'CHECKING',
      incarnation: undefined,
      paused: false,
      faults: [],
      leaderId: undefined,
      term: undefined,
      electionRunning: false,
      mutex: undefined,
      clockOffsetMs: undefined,
      error: undefined,
      heldByPage: undefined,
      missedEvents: 0,
    };
    this.health = new HealthWatch(address, quick, (health) => {
      this.view.health = health;
      this.onChange();
    });
  }

  start(): void {
    this.health.start();
    void this.watchEvents();
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    this.stream?.cancel();
    this.health.stop();
    for (const client of Object.values(this.clients)) client.close();
  }

  /** Opens WatchEvents after the last event seen of the peer's current life; again whenever the stream ends. */
  private async watchEvents(): Promise<void> {
    let fromStart = false;
    while (!this.stopped) {
      try {
        const listed = await unaryCall(this.clients.cluster, 'listMembers', {});
        const incarnation = Number(listed.incarnation);
        this.view.incarnation = incarnation;
        fromStart = (await this.followStream(incarnation, fromStart)) === 'forgotten';
      } catch {
        // Unreachable or paused: try again shortly.
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
    }
  }

  /**
   * Streams the events after the last one seen (or, `fromStart`, all the peer still keeps) until the stream ends. A
   * gap in the sequence means events the peer no longer keeps in memory (the bridge fell behind further than that, or
   * opened late): they are counted as missed, and the peer's log file still has them. The stream ends with
   * OUT_OF_RANGE when the events after the last one seen are gone: the next stream then starts from what is kept.
   */
  private followStream(incarnation: number, fromStart: boolean): Promise<'ended' | 'forgotten'> {
    const after = fromStart ? 0 : (this.lastSequence.get(incarnation) ?? 0);
    const stream = this.clients.clock.watchEvents({
      afterSequence: String(after),
      batchWindow: this.eventBatchWindowMs > 0 ? msToDuration(this.eventBatchWindowMs) : undefined,
    });
    this.stream = stream;
    return new Promise((resolve) => {
      stream.on('data', (response: WatchEventsResponse) => {
        if (response.event !== undefined) this.take(response.event, incarnation);
        for (const event of response.events) this.take(event, incarnation);
      });
      // A stream ends with an error when the peer goes away or finds this watcher too slow: resume either way.
      stream.on('error', (error: { code?: number }) =>
        resolve(error.code === Code.OUT_OF_RANGE ? 'forgotten' : 'ended'),
      );
      stream.on('end', () => resolve('ended'));
    });
  }

  /** Hands on an event not seen before, counting any gap before it as missed. */
  private take(event: Event, incarnation: number): void {
    const sequence = Number(event.sequence);
    const last = this.lastSequence.get(incarnation) ?? 0;
    if (sequence <= last) return;
    if (sequence > last + 1) {
      this.view.missedEvents += sequence - last - 1;
      this.onChange();
    }
    this.lastSequence.set(incarnation, sequence);
    this.onEvent(toWireEvent(event, incarnation));
  }

  /** One look at the peer's mutex, leader, faults and clock; then again after the interval. */
  private async poll(): Promise<void> {
    if (this.stopped) return;
    const view = this.view;
    const results = await Promise.allSettled([
      unaryCall(this.clients.chaos, 'getFaults', {}),
      unaryCall(this.clients.mutex, 'getState', {}),
      unaryCall(this.clients.election, 'getLeader', {}),
      unaryCall(this.clients.time, 'getTime', {}),
    ]);
    const [faults, mutex, leader, time] = results;
    if (faults.status === 'fulfilled') {
      view.paused = faults.value.paused;
      view.faults = faults.value.links.map((link) => {
        const parts: string[] = [];
        if (link.blocked) parts.push('blocked');
        if (link.dropProbability > 0) parts.push(`drop ${link.dropProbability}`);
        const delayMs = durationToMs(link.delay, 0);
        if (delayMs > 0) parts.push(`delay ${delayMs} ms`);
        if (link.duplicateProbability > 0) parts.push(`duplicate ${link.duplicateProbability}`);
        return `→ peer-${link.toPeerId}: ${parts.join(', ')}`;
      });
    }
    if (mutex.status === 'fulfilled')
      view.mutex = {
        state: MUTEX_STATES[mutex.value.state] ?? 'released',
        requestTimestamp: mutex.value.requestTimestamp,
        awaiting: mutex.value.awaitingPeerIds,
        deferred: mutex.value.deferredPeerIds,
        fencingToken: mutex.value.fencingToken,
        waitingClients: mutex.value.waitingClients,
        entries: mutex.value.entries,
      };
    if (leader.status === 'fulfilled') {
      view.leaderId = leader.value.leaderId === 0 ? undefined : leader.value.leaderId;
      view.term = Number(leader.value.term);
      view.electionRunning = leader.value.electionInProgress;
    }
    if (time.status === 'fulfilled') view.clockOffsetMs = durationToMs(time.value.offsetFromSystem, 0);
    const failed = results.find((result) => result.status === 'rejected');
    view.error = failed === undefined ? undefined : failureText((failed as PromiseRejectedResult).reason);
    this.onChange();
    if (!this.stopped) this.pollTimer = setTimeout(() => void this.poll(), this.pollIntervalMs);
  }
}
