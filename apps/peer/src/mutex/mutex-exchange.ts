import type { ClientDuplexStream, ServerDuplexStream, ServiceError } from '@grpc/grpc-js';
import {
  MutexServiceClient,
  type Envelope,
  type ExchangeRefusal,
  type ExchangeRequest,
  type ExchangeResponse,
} from '@distlab/contracts/mutex/v1/mutex';
import { Code, serviceError, type StatusError } from '@distlab/grpc-kit';
import { PEER_CALL_DEADLINE_MS, type PeerLinks } from '../messaging';

/** A Request or a Reply, as a frame carries it. */
export type ExchangedMessage = NonNullable<ExchangeRequest['message']>;

interface PendingFrame {
  taken(): void;
  refused(error: ServiceError): void;
  /** When the frame counts as lost if not acknowledged (performance.now() time). */
  deadlineAtMs: number;
}

/** One open Exchange stream to a peer and the frames on it not yet acknowledged. */
interface OpenStream {
  /** The links' client the stream was opened on: when the links make a new one (the peer moved), so does this. */
  client: MutexServiceClient;
  call: ClientDuplexStream<ExchangeRequest, ExchangeResponse>;
  /** In the order sent, so in the order of their deadlines. */
  pending: Map<string, PendingFrame>;
  /** Fails the frames whose deadline passed: one timer per stream, not one per frame (a frame costs little else). */
  deadlineTimer: NodeJS.Timeout | undefined;
}

/**
 * The sending side of MutexService.Exchange: one long-lived stream to each peer, opened at the first message and
 * again after it breaks, on which every Ricart–Agrawala message to that peer travels as a frame. `send` resolves when
 * the receiver acknowledges the frame (it took the message) and rejects as the unary call would have failed: with the
 * status the receiver's refusal names, UNAVAILABLE when the stream breaks first, DEADLINE_EXCEEDED when no
 * acknowledgement comes in time. So it fits PeerLinks.deliver's retries (and its injected faults) as a unary call
 * does, and a message whose acknowledgement was lost is sent again, as a retried call would be.
 *
 * Each frame carries the envelope the links filled (and logged as a send) for the attempt that writes it.
 */
export class MutexExchange {
  private readonly streams = new Map<number, OpenStream>();
  private framesSent = 0;
  private readonly unsubscribe: () => void;

  /** `ackDeadlineMs`: how long a frame may wait for its acknowledgement before it counts as lost. */
  constructor(
    private readonly links: PeerLinks,
    private readonly ackDeadlineMs = PEER_CALL_DEADLINE_MS,
  ) {
    // A member that left has its stream closed; one that moved gets a new stream on its new client (streamTo).
    this.unsubscribe = links.onChange((change) => {
      if (change.kind === 'left') this.closeStream(change.peerId, 'the peer left the membership');
    });
  }

  /**
   * Sends `message` to `to` in a frame carrying `envelope` (filled by the links for this attempt); see the class
   * comment.
   */
  send(to: number, message: ExchangedMessage, envelope: Envelope): Promise<void> {
    const stream = this.streamTo(to);
    this.framesSent += 1;
    const frameId = String(this.framesSent);
    return new Promise<void>((resolve, reject) => {
      const deadlineAtMs = performance.now() + this.ackDeadlineMs;
      stream.pending.set(frameId, { taken: resolve, refused: reject, deadlineAtMs });
      stream.deadlineTimer ??= setTimeout(() => this.expire(to, stream), this.ackDeadlineMs).unref();
      stream.call.write({ frameId, message, stamp: envelope });
    });
  }

  /** Fails the frames not acknowledged by their deadline, and waits for the next one's. */
  private expire(to: number, stream: OpenStream): void {
    const nowMs = performance.now();
    stream.deadlineTimer = undefined;
    for (const [frameId, frame] of stream.pending) {
      if (frame.deadlineAtMs > nowMs) {
        stream.deadlineTimer = setTimeout(() => this.expire(to, stream), frame.deadlineAtMs - nowMs).unref();
        return;
      }
      stream.pending.delete(frameId);
      frame.refused(
        serviceError(
          Code.DEADLINE_EXCEEDED,
          `peer ${to} did not acknowledge a message within ${this.ackDeadlineMs} ms`,
        ),
      );
    }
  }

  close(): void {
    this.unsubscribe();
    for (const peerId of [...this.streams.keys()]) this.closeStream(peerId, 'this peer is closing its links');
  }

  private streamTo(to: number): OpenStream {
    const client = this.links.client(MutexServiceClient, to);
    const open = this.streams.get(to);
    if (open?.client === client) return open;
    if (open !== undefined) this.closeStream(to, `peer ${to} moved to a new address`);
    const call = client.exchange();
    const stream: OpenStream = { client, call, pending: new Map(), deadlineTimer: undefined };
    this.streams.set(to, stream);
    // Frames acknowledged after their deadline are no longer pending (the retry is already out): nothing to do.
    call.on('data', (ack: ExchangeResponse) => {
      for (const refusal of ack.refusals) {
        const frame = stream.pending.get(refusal.frameId);
        if (frame === undefined) continue;
        stream.pending.delete(refusal.frameId);
        frame.refused(serviceError(refusal.code, refusal.message));
      }
      // Pending frames are in the order of their ids, which increase: the taken ones are a prefix.
      const takenThrough = Number(ack.takenThrough);
      for (const [frameId, frame] of stream.pending) {
        if (Number(frameId) > takenThrough) break;
        stream.pending.delete(frameId);
        frame.taken();
      }
    });
    // The stream ended (the receiver drained, or went away): what it had not acknowledged fails as undelivered, and the
    // next message opens a new stream. A definite refusal of the whole stream (INVALID_ARGUMENT) is passed on as such.
    const ended = (error: ServiceError) => {
      if (this.streams.get(to) === stream) this.streams.delete(to);
      failPending(stream, error);
    };
    call.on('error', (error: ServiceError) =>
      ended(error.code === Code.CANCELLED ? serviceError(Code.UNAVAILABLE, error.details) : error),
    );
    call.on('status', (status) => {
      if (status.code === Code.OK) ended(serviceError(Code.UNAVAILABLE, `peer ${to} ended the message stream`));
    });
    return stream;
  }

  private closeStream(peerId: number, reason: string): void {
    const stream = this.streams.get(peerId);
    if (stream === undefined) return;
    this.streams.delete(peerId);
    stream.call.cancel();
    failPending(stream, serviceError(Code.UNAVAILABLE, reason));
  }
}

/** Fails every frame the stream has not had acknowledged: they count as undelivered (the sender's retries decide). */
function failPending(stream: OpenStream, error: ServiceError): void {
  clearTimeout(stream.deadlineTimer);
  stream.deadlineTimer = undefined;
  for (const frame of stream.pending.values()) frame.refused(error);
  stream.pending.clear();
}

/**
 * How long a receiver may hold back acknowledging frames it took, so that one covers many (refusals go at once). Nothing
 * waits for an acknowledgement but the sender's retry bookkeeping (a lost frame's deadline is seconds), so it can wait:
 * under load, one per 50 ms on each of the 20 streams among five peers came to up to 400 messages a second, more than
 * one per critical-section entry.
 */
export const ACK_DELAY_MS = 200;
/** A receiver acknowledges at once when this many taken frames are unacknowledged. */
const ACK_MAX_FRAMES = 64;

type ExchangeCall = ServerDuplexStream<ExchangeRequest, ExchangeResponse>;

/**
 * The receiving side of MutexService.Exchange: `take` handles one frame's message (throwing what the unary call would
 * have thrown), `statusOf` maps what it threw. Taken frames are acknowledged cumulatively, within ACK_DELAY_MS or every
 * ACK_MAX_FRAMES frames; a refusal is sent at once with everything taken before it. `close` acknowledges what is owed
 * and ends every open stream (the peer drains).
 */
export class ExchangeReceiver {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly take: (frame: ExchangeRequest) => void,
    private readonly statusOf: (error: unknown) => StatusError,
  ) {}

  readonly handle = (call: ExchangeCall): void => {
    let lastFrameId = 0;
    let takenThrough = 0;
    let unacknowledged = 0;
    let refusals: ExchangeRefusal[] = [];
    let timer: NodeJS.Timeout | undefined;
    const acknowledge = () => {
      clearTimeout(timer);
      timer = undefined;
      if (unacknowledged === 0 && refusals.length === 0) return;
      call.write({ takenThrough: String(takenThrough), refusals });
      unacknowledged = 0;
      refusals = [];
    };
    const close = () => {
      this.open.delete(close);
      acknowledge();
      call.end();
    };
    this.open.add(close);

    call.on('data', (frame: ExchangeRequest) => {
      const frameId = Number(frame.frameId);
      if (!(Number.isSafeInteger(frameId) && frameId > lastFrameId)) {
        const message = `frame_id must increase along the stream: ${frame.frameId} after ${lastFrameId}`;
        refusals.push({ frameId: frame.frameId, code: Code.INVALID_ARGUMENT, message });
        return acknowledge();
      }
      lastFrameId = takenThrough = frameId;
      try {
        this.take(frame);
      } catch (error) {
        const status = this.statusOf(error);
        refusals.push({ frameId: frame.frameId, code: status.code, message: status.message });
        return acknowledge();
      }
      unacknowledged += 1;
      if (unacknowledged >= ACK_MAX_FRAMES) acknowledge();
      else timer ??= setTimeout(acknowledge, ACK_DELAY_MS);
    });
    call.on('end', close);
    const gone = () => {
      this.open.delete(close);
      clearTimeout(timer);
    };
    call.on('cancelled', gone);
    call.on('error', gone);
  };

  close(): void {
    for (const close of [...this.open]) close();
  }
}
