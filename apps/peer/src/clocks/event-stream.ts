// WatchEvents' writer: the events a watcher has not seen, written to its stream one per response (the original form)
// or in batches when the watcher asks for them with a batch window; as Event messages or as the log file's JSON lines.
//
// Why batches: a contended Ricart–Agrawala run logs some twenty events per critical-section entry on five peers, many
// thousands a second. One gRPC message per event cost the watched peers half as much CPU again as the algorithm itself
// (with the live view open, 0.71 ms more per entry on top of 1.37; in batches, 0.25: `npx nx bench live-view` with
// `-- --unbatched` and with `-- --messages`), because every message pays for its own serialisation call, HTTP/2 frame
// and write. In a batch the same events share one of each.
//
// Why JSON lines: in batches, building and encoding an Event message per event was still most of what a watcher cost
// its peer (a CPU profile of the peers under that bench). The peer has already written each event's line for its log
// file; sending those lines costs a copy, and the live view hands them on to the page without decoding them.
//
// Replay: a watcher that starts from 0 on a busy peer asks for tens of thousands of events. In batches they are read
// from the log a batch at a time, with the event loop let go between batches and a wait for the stream to drain
// whenever it is past its high-water mark, so the replay never holds up the algorithms' own messages (done in one go,
// it stalled a contended cluster for seconds). The one-event-per-response form replays in one go, as it always did.
//
// Backpressure: the stream is given up, with RESOURCE_EXHAUSTED, when its unsent responses pass a bound while it follows
// new events, so a watcher that stopped reading cannot make its peer hold the whole log in a socket buffer. The watcher
// resumes after the last sequence it saw.

import type { Event, WatchEventsResponse } from '@distlab/contracts/clock/v1/clock';
import { Code, StatusError } from '@distlab/grpc-kit';
import { lineWithoutShiviz, type EventLog, type LoggedEvent } from '../messaging';

/** Unsent responses of one event each before a watcher counts as too slow. */
const UNBATCHED_BUFFER_MAX = 1000;
/** Events in one batch at most: 512 events are about 60 KB, well inside gRPC's 4 MB message limit. */
const BATCH_EVENTS_MAX = 512;
/** Unsent batches before a watcher that follows new events counts as too slow (at most 64 × 512 events held). */
const BATCH_BUFFER_MAX = 64;
/** The longest batch window a watcher may ask for: longer would only make the view lag. */
const BATCH_WINDOW_MAX_MS = 1_000;

/** The part of a server stream call the writer uses. */
export interface EventStreamCall {
  write(response: WatchEventsResponse): void;
  readonly writableLength: number;
  /** True once a write went past the high-water mark, until 'drain'. */
  readonly writableNeedDrain: boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** How a stream writes its events: each as an item when it is taken, then items into responses. */
export interface EventEncoder<Item> {
  item(event: LoggedEvent): Item;
  /** The response of one item when unbatched, or of a whole batch. */
  response(items: Item[], batched: boolean): WatchEventsResponse;
}

const NO_LINES = Buffer.alloc(0);

/** As Event messages: `event` one at a time, `events` in batches. */
export function messageEncoder(toEvent: (event: LoggedEvent) => Event): EventEncoder<Event> {
  return {
    item: toEvent,
    response: (events, batched) =>
      batched
        ? { event: undefined, events, jsonLines: NO_LINES }
        : { event: events[0], events: [], jsonLines: NO_LINES },
  };
}

/** As the lines of the log file, in `json_lines`; `withoutShiviz`: each without its `shiviz` field. */
export function jsonLinesEncoder(log: EventLog, withoutShiviz = false): EventEncoder<string> {
  return {
    item: withoutShiviz ? (event) => lineWithoutShiviz(log.lineOf(event)) : (event) => log.lineOf(event),
    response: (lines) => ({ event: undefined, events: [], jsonLines: Buffer.from(lines.join('')) }),
  };
}

export interface EventStreamOptions<Item> {
  log: EventLog;
  afterSequence: number;
  /** 0: one event per response. Otherwise events are gathered this long, then sent together. */
  batchWindowMs: number;
  encoder: EventEncoder<Item>;
  /**
   * Called once when the stream cannot go on: the watcher is too slow (RESOURCE_EXHAUSTED), or the events after its
   * position were dropped from memory while it replayed (OUT_OF_RANGE, from the log's ForgottenEventsError).
   */
  onFailed: (error: unknown) => void;
}

/**
 * Follows the log for one watcher: replays what it has not seen, then writes each new event (or batch). Returns the
 * function that stops following. A start the log cannot honour throws its ForgottenEventsError from here.
 */
export function streamEvents<Item>(call: EventStreamCall, options: EventStreamOptions<Item>): () => void {
  const { log, encoder } = options;
  const batched = options.batchWindowMs > 0;
  const bufferMax = batched ? BATCH_BUFFER_MAX : UNBATCHED_BUFFER_MAX;
  let pending: Item[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let watch: { unwatch(): void } | undefined;
  /** Wakes a replay that waits for the socket, when the stream stops instead. */
  let wake: (() => void) | undefined;

  const fail = (error: unknown): false => {
    if (!stopped) {
      stop();
      options.onFailed(error);
    }
    return false;
  };
  const tooSlow = (): false =>
    fail(
      new StatusError(
        Code.RESOURCE_EXHAUSTED,
        `watcher too slow: ${bufferMax} ${batched ? 'batches' : 'events'} waiting; resume after the last sequence seen`,
      ),
    );

  const flush = (): boolean => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (pending.length === 0 || stopped) return !stopped;
    call.write(encoder.response(pending, true));
    pending = [];
    return call.writableLength <= bufferMax || tooSlow();
  };

  const onEvent = (event: LoggedEvent): boolean => {
    if (stopped) return false;
    if (!batched) {
      call.write(encoder.response([encoder.item(event)], false));
      return call.writableLength <= bufferMax || tooSlow();
    }
    pending.push(encoder.item(event));
    if (pending.length >= BATCH_EVENTS_MAX) return flush();
    flushTimer ??= setTimeout(flush, options.batchWindowMs);
    return true;
  };

  /** The rest of a batched replay, a batch per turn of the event loop; then the live events. */
  const replay = async (cursor: number, first: { events: LoggedEvent[]; more: boolean }): Promise<void> => {
    let page = first;
    for (;;) {
      if (page.events.length > 0) {
        call.write(
          encoder.response(
            page.events.map((event) => encoder.item(event)),
            true,
          ),
        );
        cursor = page.events[page.events.length - 1].sequence;
      }
      if (!page.more) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        // 'drain' comes only after a write was refused (writableNeedDrain): a stream merely holding some unsent
        // batches, below its high-water mark, would never emit it.
        if (call.writableNeedDrain) call.once('drain', resolve);
        else setImmediate(resolve);
      });
      if (stopped) return;
      page = log.page(cursor, BATCH_EVENTS_MAX);
    }
    watch = log.watch(cursor, onEvent);
    if (!stopped) flush();
  };

  if (batched) {
    // The first page is read now, so that a start the log cannot honour fails the call at once.
    const first = log.page(options.afterSequence, BATCH_EVENTS_MAX);
    replay(options.afterSequence, first).catch(fail);
  } else {
    watch = log.watch(options.afterSequence, onEvent);
  }

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearTimeout(flushTimer);
    watch?.unwatch();
    wake?.();
  }
  return stop;
}

/** The batch window a request asks for, in milliseconds: 0 for none, at most BATCH_WINDOW_MAX_MS. */
export function batchWindowMsOf(requestedMs: number | undefined): number {
  if (requestedMs === undefined || requestedMs === 0) return 0;
  if (!(requestedMs > 0)) throw new StatusError(Code.INVALID_ARGUMENT, 'batch_window must not be negative');
  return Math.min(requestedMs, BATCH_WINDOW_MAX_MS);
}
