import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { carriedEnvelope, metadataCarrier, type EnvelopeCarrier } from './envelope';
import type { LoggedEvent } from './event-log';
import { BadStampError, type MessageStamper } from './message-stamper';

/** Set on the handler's copy of the metadata only (never sent): the sequence of the receive event logged. */
const RECEIVE_SEQUENCE_KEY = 'distlab-receive-sequence';

/** The receive event the receive interceptor logged for this call, if it carried an envelope. */
export function receiveSequenceOf(metadata: Metadata): number | undefined {
  const value = metadata.get(RECEIVE_SEQUENCE_KEY)[0];
  return typeof value === 'string' ? Number(value) : undefined;
}

/**
 * Where every peer message arrives: a call carrying an envelope is merged and logged as a receive before its handler
 * runs; on a stream, each frame carrying one is. A malformed envelope ends the call with INVALID_ARGUMENT. (Sends are
 * stamped by PeerLinks, which fills each message's envelope as it goes out.)
 */
export function receiveInterceptor(stamper: MessageStamper): ServerInterceptor {
  return (methodDescriptor, call) => {
    const method = methodName(methodDescriptor.path);
    const receive = (envelope: EnvelopeCarrier): LoggedEvent | undefined | false => {
      try {
        return stamper.stampReceive(envelope, method);
      } catch (error) {
        if (!(error instanceof BadStampError)) throw error;
        call.sendStatus({ code: status.INVALID_ARGUMENT, details: error.message });
        return false;
      }
    };
    if (!methodDescriptor.requestStream)
      return new ServerInterceptingCall(call, {
        start: (next) =>
          next({
            onReceiveMetadata: (metadata, nextMetadata) => {
              const event = receive(metadataCarrier(metadata));
              if (event === false) return;
              // The handler's copy only (never sent): which receive event its call was.
              if (event !== undefined) metadata.set(RECEIVE_SEQUENCE_KEY, String(event.sequence));
              nextMetadata(metadata);
            },
          }),
      });
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message: unknown, nextMessage) => {
            const envelope = carriedEnvelope(message);
            if (envelope === undefined || receive(envelope) !== false) nextMessage(message);
          },
        }),
    });
  };
}

/** "/distlab.mutex.v1.MutexService/Request" → "Request". */
function methodName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
