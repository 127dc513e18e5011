import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import type { FaultInjector } from './fault-injector';

/** ChaosService is never paused: a paused peer must stay resumable. */
const UNPAUSED_PREFIX = '/distlab.chaos.v1.ChaosService/';

/**
 * Holds every incoming call (health included) while the peer is paused: the caller sees a peer that stopped answering,
 * not one that refuses. The call proceeds when the pause ends, or fails at its own deadline. On a stream opened before
 * the pause, each message arriving during it is held too, and the held messages go on in their order.
 */
export function pauseInterceptor(faults: FaultInjector): ServerInterceptor {
  return (methodDescriptor, call) => {
    if (methodDescriptor.path.startsWith(UNPAUSED_PREFIX)) return new ServerInterceptingCall(call);
    /** Messages of this call held by a pause and not yet passed on: later ones queue behind them. */
    let held: Promise<void> | undefined;
    let heldCount = 0;
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            if (!faults.paused) nextMetadata(metadata);
            else void faults.whenResumed().then(() => nextMetadata(metadata));
          },
          onReceiveMessage: (message, nextMessage) => {
            if (!faults.paused && heldCount === 0) return nextMessage(message);
            heldCount += 1;
            held = (held ?? Promise.resolve())
              .then(() => faults.whenResumed())
              .then(() => {
                heldCount -= 1;
                nextMessage(message);
              });
          },
          // The end of the client's stream stays behind its held messages.
          onReceiveHalfClose: (nextHalfClose) => {
            if (heldCount === 0) nextHalfClose();
            else void held?.then(() => nextHalfClose());
          },
        }),
    });
  };
}
