import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { HeartbeatStreamRequest, HeartbeatStreamResponse } from '@distlab/contracts/election/v1/election';
import { Code, StatusError } from '@distlab/grpc-kit';

type HeartbeatCall = ServerDuplexStream<HeartbeatStreamRequest, HeartbeatStreamResponse>;

/** One heartbeat's answer without its beat id: what the unary Heartbeat answers. */
export type HeartbeatReply = Omit<HeartbeatStreamResponse, 'beatId'>;

/**
 * The receiving side of ElectionService.HeartbeatStream. `answer` validates one heartbeat and answers it as the unary
 * Heartbeat would (throwing what that call would have thrown); `statusOf` maps what it threw. A heartbeat that is
 * refused ends its stream with the status, and so does one whose sender differs from the stream's first: a stream is
 * one follower's. `close` ends every open stream (the peer drains: a stream left open would hold the drain for its
 * whole grace period), and a stream opened after it is refused as UNAVAILABLE, so that followers probing a draining
 * leader find it gone at once.
 */
export class HeartbeatReceiver {
  private readonly open = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly answer: (fromPeerId: number, term: string) => HeartbeatReply,
    private readonly statusOf: (error: unknown) => StatusError,
  ) {}

  readonly handle = (call: HeartbeatCall): void => {
    if (this.closed) {
      call.emit('error', new StatusError(Code.UNAVAILABLE, 'this peer is shutting down').toStatus());
      return;
    }
    let sender: number | undefined;
    let ended = false;
    const finish = (end: () => void) => {
      if (ended) return;
      ended = true;
      this.open.delete(close);
      end();
    };
    const close = () => finish(() => call.end());
    this.open.add(close);
    call.on('data', (beat: HeartbeatStreamRequest) => {
      if (ended) return;
      try {
        if (sender !== undefined && beat.fromPeerId !== sender)
          throw new StatusError(
            Code.INVALID_ARGUMENT,
            `from_peer_id must stay ${sender} along the stream, not ${beat.fromPeerId}`,
          );
        const reply = this.answer(beat.fromPeerId, beat.term);
        sender = beat.fromPeerId;
        call.write({ beatId: beat.beatId, ...reply });
      } catch (error) {
        const status = this.statusOf(error);
        finish(() => call.emit('error', status.toStatus()));
      }
    });
    call.on('end', close);
    const gone = () => finish(() => undefined);
    call.on('cancelled', gone);
    call.on('error', gone);
  };

  close(): void {
    this.closed = true;
    for (const close of [...this.open]) close();
  }
}
