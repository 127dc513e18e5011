// ClusterService.WatchState: what an observer (the live view) shows of this peer, pushed when it changes.
//
// Why a stream: the live view used to poll every peer's GetState and GetLeader twice a second, and GetFaults and
// GetTime every two seconds: 25 unary calls a second for five peers, each a whole call's set-up on both sides, at rest
// too (`npx nx bench live-view` prints the CPU a second of peers, bridge and browser at rest; `-- --polling` makes the
// view poll as before, for the comparison). On a stream, a state that did not change costs a read of local fields and a comparison every interval, nothing on the
// wire; a busy peer sends at most one message per interval.
//
// What counts as a change: everything but the moment of reading (GetTime's time and unix_nanos), with the clock's
// offset to the millisecond, so a drifting clock is not a change every interval.
//
// Bounds: at most MAX_STATE_WATCHERS streams at once, so that no client can make a peer spend its time reading its state
// for thousands of watchers, and at most MAX_STATE_WATCHERS_PER_CLIENT from one client, so that no client can hold them
// all; the next one is refused with RESOURCE_EXHAUSTED until one closes.
//
// Backpressure: a watcher that stops reading is never sent a backlog. When a write is refused (past the stream's
// high-water mark), nothing more is written until 'drain', and then only the newest state, if it differs from the last
// one sent.

import type { WatchStateRequest, WatchStateResponse } from '@distlab/contracts/cluster/v1/cluster';
import { clientHostOf, Code, durationToMs, StatusError, StreamSlots, type Handlers } from '@distlab/grpc-kit';
import type { handleServerStreamingCall, ServerWritableStream } from '@grpc/grpc-js';

/** The interval a watcher gets unless it asks: four looks a second, as fast as anyone reads a table. */
const INTERVAL_DEFAULT_MS = 250;
/** Shorter intervals would let one watcher make the peer compare its state hundreds of times a second. */
const INTERVAL_MIN_MS = 50;
const INTERVAL_MAX_MS = 10_000;
/** Open streams at most: a live view per student of a classroom sharing one cluster, and room to spare. */
export const MAX_STATE_WATCHERS = 100;
/** Open streams from one client (one host) at most, so that no client can hold them all: sixteen views on one machine. */
export const MAX_STATE_WATCHERS_PER_CLIENT = 16;

/** The interval a request asks for, in ms: the default for none, clamped to [INTERVAL_MIN_MS, INTERVAL_MAX_MS]. */
export function stateIntervalMsOf(request: WatchStateRequest): number {
  const requestedMs = durationToMs(request.minInterval, 0);
  if (requestedMs < 0) throw new StatusError(Code.INVALID_ARGUMENT, 'min_interval must not be negative');
  if (requestedMs === 0) return INTERVAL_DEFAULT_MS;
  return Math.min(Math.max(requestedMs, INTERVAL_MIN_MS), INTERVAL_MAX_MS);
}

/** What a change is compared by: the state without the moment it was read. */
function changeKey(state: WatchStateResponse): string {
  return JSON.stringify([state.mutex, state.leader, state.faults, state.time?.offsetFromSystem]);
}

/** The open WatchState streams of one peer: `handle` serves one, `close` ends them all (the peer drains). */
export class StateWatchers {
  readonly handle: handleServerStreamingCall<WatchStateRequest, WatchStateResponse>;
  private readonly open = new Set<() => void>();
  private readonly slots = new StreamSlots({
    total: MAX_STATE_WATCHERS,
    perClient: MAX_STATE_WATCHERS_PER_CLIENT,
    what: 'state watchers',
    instead: 'watch another peer',
  });

  constructor(
    /** This peer's state now, its clock's offset already to the millisecond. */
    private readonly readState: () => WatchStateResponse,
    handlers: Handlers,
  ) {
    this.handle = handlers.serverStream((request, call) => this.follow(request, call));
  }

  close(): void {
    for (const stop of [...this.open]) stop();
  }

  private follow(
    request: WatchStateRequest,
    call: ServerWritableStream<WatchStateRequest, WatchStateResponse>,
  ): Promise<void> {
    const intervalMs = stateIntervalMsOf(request);
    const release = this.slots.take(clientHostOf(call.getPeer()));
    return new Promise<void>((resolve) => {
      let lastSent = '';
      let waitingForDrain = false;
      const sendIfChanged = () => {
        if (waitingForDrain) return;
        const state = this.readState();
        const key = changeKey(state);
        if (key === lastSent) return;
        lastSent = key;
        if (!call.write(state)) {
          waitingForDrain = true;
          call.once('drain', () => {
            waitingForDrain = false;
            sendIfChanged();
          });
        }
      };
      const timer = setInterval(sendIfChanged, intervalMs);
      const stop = () => {
        clearInterval(timer);
        this.open.delete(stop);
        release();
        resolve();
      };
      this.open.add(stop);
      call.on('cancelled', stop);
      sendIfChanged();
    });
  }
}
