import type { ClientReadableStream } from '@grpc/grpc-js';
import { ChaosServiceClient } from '@distlab/contracts/chaos/v1/chaos';
import { ClockServiceClient, EventEncoding, type WatchEventsResponse } from '@distlab/contracts/clock/v1/clock';
import { TimeServiceClient } from '@distlab/contracts/clock/v1/time';
import { ClusterServiceClient, type WatchStateResponse } from '@distlab/contracts/cluster/v1/cluster';
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
import { countLines, dropLines, eachLine, lastLineStart, sequenceAt, type EventChunk } from './event-chunk';
import { toWireEvent } from './event-wire';
import { HealthWatch } from './health-watch';
import type { PeerView } from './wire';

/** How long to wait before opening a stream again after it ended (a peer restarting, paused, or gone). */
const RECONNECT_DELAY_MS = 500;
/**
 * The peers send their events in batches gathered over this window by default: one message per event cost a busy
 * peer half as much CPU again as its algorithm (see the peer's event-stream.ts; `npx nx bench live-view -- --unbatched`
 * measures it), and each batch costs the bridge a message to decode and a wake-up. The page redraws its diagram at most
 * twice a second, so a fifth of a second is not seen.
 */
export const EVENT_BATCH_WINDOW_MS = 200;

/**
 * How the peers are asked to write their events. As JSON lines by default: the lines their log files have, which the
 * bridge hands on to the page as the bytes they came in (see event-chunk.ts), where Event messages cost the peer an
 * encoding and the bridge a decoding and a JSON encoding per event (`npx nx bench live-view -- --messages` measures
 * the difference).
 */
export type EventEncodingName = 'json-lines' | 'messages';

/**
 * The shortest time between two states a peer sends (WatchState's min_interval): the view goes to the page at most
 * this often anyway (UPDATE_INTERVAL_MS in live-system.ts).
 */
const STATE_INTERVAL_MS = 500;

/**
 * For a peer without WatchState (an older one): faults and the clock's offset change only when someone changes them (a
 * control of the page, `distlab chaos`, a clock sync): they are read every this many looks, and at once after a
 * control. Each look is a call the peer serves; four every half second per peer cost five idle peers as much CPU again
 * as their own failure detection.
 */
const SLOW_POLL_EVERY = 4;

const MUTEX_STATES: Record<number, 'released' | 'wanted' | 'held'> = {
  [MutexState.MUTEX_STATE_RELEASED]: 'released',
  [MutexState.MUTEX_STATE_WANTED]: 'wanted',
  [MutexState.MUTEX_STATE_HELD]: 'held',
};

/** What a settled call answered; undefined if it failed (or was not made). */
const valueOf = <T>(result: PromiseSettledResult<T>): T | undefined =>
  result.status === 'fulfilled' ? result.value : undefined;

/** Why a call failed, in a few words for the table. */
export function failureText(error: unknown): string {
  return isServiceError(error) ? `${codeName(error.code)}: ${error.details}` : (error as Error).message;
}

export interface PeerWatchOptions {
  clientSettings: ClientSettings;
  /** How often a peer without WatchState is polled. */
  pollIntervalMs: number;
  /** 0: one event per message, as the peers sent them before batches. */
  eventBatchWindowMs: number;
  eventEncoding: EventEncodingName;
  /** Poll every peer's state, as the view did before WatchState (its benchmark's `--polling` measures the difference). */
  statePolled: boolean;
}

/**
 * Everything the live view watches on one peer: its event log (WatchEvents, resumed after the last sequence seen, so
 * no event is lost when the stream breaks), its health (Watch), and its mutex, leader, faults and clock (WatchState,
 * sent by the peer when they change; polled from an older peer that lacks it).
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
  private stateStream: ClientReadableStream<WatchStateResponse> | undefined;
  /** Set once the peer answered WatchState UNIMPLEMENTED: its state is polled instead. */
  private polling = false;
  private stopped = false;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Looks taken so far, for SLOW_POLL_EVERY. */
  private looks = 0;
  private pollInFlight = false;
  /** A control changed something: the next look reads everything, at once. */
  private fullPollDue = false;
  /** The newest sequence delivered, per incarnation. */
  private readonly lastSequence = new Map<number, number>();

  constructor(
    readonly peerId: number,
    readonly address: string,
    private readonly options: PeerWatchOptions,
    private readonly onEvents: (chunks: EventChunk[]) => void,
    private readonly onChange: () => void,
  ) {
    const settings = options.clientSettings;
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
    if (this.options.statePolled) {
      this.polling = true;
      void this.poll();
    } else void this.watchState();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    this.stream?.cancel();
    this.stateStream?.cancel();
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
      batchWindow: this.options.eventBatchWindowMs > 0 ? msToDuration(this.options.eventBatchWindowMs) : undefined,
      encoding:
        this.options.eventEncoding === 'json-lines'
          ? EventEncoding.EVENT_ENCODING_JSON_LINES
          : EventEncoding.EVENT_ENCODING_MESSAGES,
      // The page reads the fields; the ShiViz form repeats them in a third of every line's bytes.
      withoutShiviz: true,
    });
    this.stream = stream;
    return new Promise((resolve) => {
      stream.on('data', (response: WatchEventsResponse) => {
        const fresh: EventChunk[] = [];
        this.takeLines(response.jsonLines, incarnation, fresh);
        // Event messages (EVENT_ENCODING_MESSAGES) become the same lines.
        const events = response.event === undefined ? response.events : [response.event];
        if (events.length > 0) {
          const lines = events.map((event) => `${JSON.stringify(toWireEvent(event, incarnation))}\n`);
          this.takeLines(Buffer.from(lines.join('')), incarnation, fresh);
        }
        if (fresh.length > 0) this.onEvents(fresh);
      });
      // A stream ends with an error when the peer goes away or finds this watcher too slow: resume either way.
      stream.on('error', (error: { code?: number }) =>
        resolve(error.code === Code.OUT_OF_RANGE ? 'forgotten' : 'ended'),
      );
      stream.on('end', () => resolve('ended'));
    });
  }

  /**
   * Takes the lines of one response: a run of consecutive sequences, as a stream sends them, whole (read at its two
   * ends only); anything else line by line.
   */
  private takeLines(bytes: Buffer, incarnation: number, fresh: EventChunk[]): void {
    if (bytes.length === 0) return;
    const lines = bytes[bytes.length - 1] === 0x0a ? bytes : Buffer.concat([bytes, Buffer.from('\n')]);
    const count = countLines(lines);
    const first = sequenceAt(lines, 0);
    if (sequenceAt(lines, lastLineStart(lines)) === first + count - 1)
      this.take({ bytes: lines, count }, first, incarnation, fresh);
    else for (const line of eachLine(lines)) this.take(line.chunk, line.sequence, incarnation, fresh);
  }

  /**
   * Adds the events of a run (consecutive sequences from `first`) not seen before to `fresh`, counting any gap before
   * them as missed.
   */
  private take(chunk: EventChunk, first: number, incarnation: number, fresh: EventChunk[]): void {
    const last = this.lastSequence.get(incarnation) ?? 0;
    if (first + chunk.count - 1 <= last) return;
    if (first > last + 1) {
      this.view.missedEvents += first - last - 1;
      this.onChange();
    }
    this.lastSequence.set(incarnation, first + chunk.count - 1);
    fresh.push(first <= last ? dropLines(chunk, last + 1 - first) : chunk);
  }

  /**
   * Follows the peer's WatchState: the peer sends its state when it changes, at most every STATE_INTERVAL_MS, so an
   * idle cluster costs nothing and a busy one a message per peer per interval. The stream is opened again whenever it
   * ends (a peer restarting or gone, with the failure shown meanwhile); a peer that lacks it is polled instead.
   */
  private async watchState(): Promise<void> {
    while (!this.stopped) {
      const ended = await new Promise<unknown>((resolve) => {
        const stream = this.clients.cluster.watchState({ minInterval: msToDuration(STATE_INTERVAL_MS) });
        this.stateStream = stream;
        stream.on('data', (state: WatchStateResponse) => {
          this.view.error = undefined;
          this.apply(state);
          this.onChange();
        });
        stream.on('error', resolve);
        stream.on('end', () => resolve(undefined));
      });
      if (this.stopped) return;
      if (isServiceError(ended) && ended.code === Code.UNIMPLEMENTED) {
        this.polling = true;
        return this.poll();
      }
      if (ended !== undefined) {
        this.view.error = failureText(ended);
        this.onChange();
      }
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
    }
  }

  /** Takes what a state (sent, or read by the polls) says into the view; a part missing leaves the view's as it was. */
  private apply(state: WatchStateResponse): void {
    const view = this.view;
    if (state.faults !== undefined) {
      view.paused = state.faults.paused;
      view.faults = state.faults.links.map((link) => {
        const parts: string[] = [];
        if (link.blocked) parts.push('blocked');
        if (link.dropProbability > 0) parts.push(`drop ${link.dropProbability}`);
        const delayMs = durationToMs(link.delay, 0);
        if (delayMs > 0) parts.push(`delay ${delayMs} ms`);
        if (link.duplicateProbability > 0) parts.push(`duplicate ${link.duplicateProbability}`);
        return `→ peer-${link.toPeerId}: ${parts.join(', ')}`;
      });
    }
    if (state.mutex !== undefined)
      view.mutex = {
        state: MUTEX_STATES[state.mutex.state] ?? 'released',
        requestTimestamp: state.mutex.requestTimestamp,
        awaiting: state.mutex.awaitingPeerIds,
        deferred: state.mutex.deferredPeerIds,
        fencingToken: state.mutex.fencingToken,
        waitingClients: state.mutex.waitingClients,
        entries: state.mutex.entries,
      };
    if (state.leader !== undefined) {
      view.leaderId = state.leader.leaderId === 0 ? undefined : state.leader.leaderId;
      view.term = Number(state.leader.term);
      view.electionRunning = state.leader.electionInProgress;
    }
    if (state.time !== undefined) view.clockOffsetMs = durationToMs(state.time.offsetFromSystem, 0);
  }

  /** Reads everything now (after a control changed something) from a polled peer; a watched one sends it anyway. */
  pollNow(): void {
    if (!this.polling) return;
    this.fullPollDue = true;
    if (this.pollInFlight || this.stopped) return;
    clearTimeout(this.pollTimer);
    void this.poll();
  }

  /**
   * For a peer without WatchState: one look at its mutex and leader, and every SLOW_POLL_EVERY-th look (or when
   * pollNow asked) at its faults and clock; then again after the interval.
   */
  private async poll(): Promise<void> {
    if (this.stopped) return;
    this.pollInFlight = true;
    const full = this.fullPollDue || this.looks % SLOW_POLL_EVERY === 0;
    this.fullPollDue = false;
    this.looks += 1;
    const results = await Promise.allSettled([
      full ? unaryCall(this.clients.chaos, 'getFaults', {}) : undefined,
      unaryCall(this.clients.mutex, 'getState', {}),
      unaryCall(this.clients.election, 'getLeader', {}),
      full ? unaryCall(this.clients.time, 'getTime', {}) : undefined,
    ]);
    this.pollInFlight = false;
    const [faults, mutex, leader, time] = results;
    this.apply({ faults: valueOf(faults), mutex: valueOf(mutex), leader: valueOf(leader), time: valueOf(time) });
    const failed = results.find((result) => result.status === 'rejected');
    this.view.error = failed === undefined ? undefined : failureText((failed as PromiseRejectedResult).reason);
    this.onChange();
    if (!this.stopped)
      this.pollTimer = setTimeout(() => void this.poll(), this.fullPollDue ? 0 : this.options.pollIntervalMs);
  }
}
