import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import type { FaultInjector } from './fault-injector';

/** ChaosService is never paused: a paused peer must stay resumable. */
const UNPAUSED_PREFIX = '/distlab.chaos.v1.ChaosService/';

/**
 * Holds every incoming call (health included) while the peer is paused: the caller sees a peer that stopped answering,
 * not one that refuses. The call proceeds when the pause ends, or fails at its own deadline.
 */
export function pauseInterceptor(faults: FaultInjector): ServerInterceptor {
  return (methodDescriptor, call) => {
    if (methodDescriptor.path.startsWith(UNPAUSED_PREFIX)) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            if (!faults.paused) nextMetadata(metadata);
            else void faults.whenResumed().then(() => nextMetadata(metadata));
          },
        }),
    });
  };
}
