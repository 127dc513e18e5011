import {
  status,
  type Metadata,
  type ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';

/** The listener grpc-js hands to `start` (grpc-js does not export its name). */
type CallListener = Parameters<ServerInterceptingCallInterface['start']>[0];

/** What a server's call observers learn once per method, on the first call to it. */
export interface ObservedMethod {
  /** "/package.Service/Method". */
  path: string;
  requestStream: boolean;
  responseStream: boolean;
}

/**
 * What one observer does for the calls of one method: prepared once (labels looked up, strings built), then run for
 * every call, so that a call pays only for what it records.
 */
export interface MethodCallObserver {
  started(): void;
  /** Called exactly once per call: with the status sent, or CANCELLED when the client (or its deadline) ended it. */
  ended(code: status, details: string | undefined, durationMs: number, call: ServerInterceptingCallInterface): void;
}

/** Prepares an observer for one method. */
export type CallObserverFactory = (method: ObservedMethod) => MethodCallObserver;

/**
 * One server interceptor that runs any number of call observers (the call log, the metrics). It wraps each call in a
 * single pass-through object instead of a grpc-js ServerInterceptingCall per observer: that class allocates a
 * responder, a listener and a closure per event of every call, which made a kit server's calls a fifth dearer in CPU
 * than a bare grpc-js server's (bench/server-overhead.bench.ts). Observers only watch the call end; none delays or
 * changes an event, so forwarding each one at once keeps grpc-js's ordering.
 */
export function observeCalls(factories: readonly CallObserverFactory[]): ServerInterceptor {
  // Per method, the observers prepared on its first call; grpc-js answers unknown methods before any interceptor, so
  // this holds at most the methods the server hosts.
  const observersByPath = new Map<string, readonly MethodCallObserver[]>();
  return (descriptor, call) => {
    let observers = observersByPath.get(descriptor.path);
    if (observers === undefined) {
      const method = {
        path: descriptor.path,
        requestStream: descriptor.requestStream,
        responseStream: descriptor.responseStream,
      };
      observers = factories.map((factory) => factory(method));
      observersByPath.set(descriptor.path, observers);
    }
    for (const observer of observers) observer.started();
    return asInterceptorResult(new ObservedCall(call, observers));
  };
}

/**
 * grpc-js types an interceptor's result as its ServerInterceptingCall class, but uses it only through
 * ServerInterceptingCallInterface (getServerInterceptingCall returns that interface): any implementation of it works.
 */
export function asInterceptorResult(call: ServerInterceptingCallInterface): ServerInterceptingCall {
  return call as ServerInterceptingCall;
}

/**
 * A call passed through untouched, except that its end is reported to the method's observers once. It is also the
 * listener it hands to the call below (the two interfaces share no member names), which spares an object per call:
 * it passes every inbound event on, and reports a cancellation as the call's end, since grpc-js does not call
 * sendStatus for a call the client cancelled (or whose deadline passed).
 */
class ObservedCall implements ServerInterceptingCallInterface, CallListener {
  private readonly startedAt = process.hrtime.bigint();
  private finished = false;
  private listener: CallListener | undefined;

  constructor(
    private readonly next: ServerInterceptingCallInterface,
    private readonly observers: readonly MethodCallObserver[],
  ) {}

  /** Reports the end of the call, once: a cancel that follows a sent status (or the reverse) is not a second end. */
  private finish(code: status, details: string | undefined): void {
    if (this.finished) return;
    this.finished = true;
    const durationMs = Number(process.hrtime.bigint() - this.startedAt) / 1e6;
    for (const observer of this.observers) observer.ended(code, details, durationMs, this.next);
  }

  start(listener: CallListener): void {
    this.listener = listener;
    this.next.start(this);
  }

  sendMetadata(metadata: Metadata): void {
    this.next.sendMetadata(metadata);
  }

  // grpc-js types messages as any.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  sendMessage(message: any, callback: () => void): void {
    this.next.sendMessage(message, callback);
  }

  sendStatus(statusObject: Parameters<ServerInterceptingCallInterface['sendStatus']>[0]): void {
    this.finish(statusObject.code, statusObject.details);
    this.next.sendStatus(statusObject);
  }

  startRead(): void {
    this.next.startRead();
  }

  getPeer(): string {
    return this.next.getPeer();
  }

  getDeadline(): ReturnType<ServerInterceptingCallInterface['getDeadline']> {
    return this.next.getDeadline();
  }

  getHost(): string {
    return this.next.getHost();
  }

  getAuthContext(): ReturnType<ServerInterceptingCallInterface['getAuthContext']> {
    return this.next.getAuthContext();
  }

  getConnectionInfo(): ReturnType<ServerInterceptingCallInterface['getConnectionInfo']> {
    return this.next.getConnectionInfo();
  }

  getMetricsRecorder(): ReturnType<ServerInterceptingCallInterface['getMetricsRecorder']> {
    return this.next.getMetricsRecorder();
  }

  // The listener side: events from the call below, passed on to the listener above (start set it before any event).

  onReceiveMetadata(metadata: Metadata): void {
    this.listener?.onReceiveMetadata(metadata);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  onReceiveMessage(message: any): void {
    this.listener?.onReceiveMessage(message);
  }

  onReceiveHalfClose(): void {
    this.listener?.onReceiveHalfClose();
  }

  onCancel(): void {
    this.finish(status.CANCELLED, 'cancelled by the client or its deadline');
    this.listener?.onCancel();
  }
}
