import {
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Endpoint } from '../balancing/endpoint';
import { CLIENT_ADDRESS_HEADER } from '../registry/client-address';
import type { MethodShape } from './method-shape';
import type { ProxyOptions } from './proxy-options';
import {
  deadlineFrom,
  encodeStatusMessage,
  forwardableHeaders,
  GrpcStatus,
  respondWithStatus,
  timeoutHeader,
} from './grpc-wire';
import { capPassedMessage, proxyStatus, type ProxyFailure } from './proxy-status';

/**
 * The most request bytes of a single-request method (unary, server streaming) held back until the client's end of
 * stream. Written with the end in one tick, the message leaves in one DATA frame that carries END_STREAM; written as it
 * came, node:http2 sends the end as a DATA frame of its own, in a write of its own, which the backend reads apart.
 * A longer request passes through as it comes.
 */
const HELD_REQUEST_BYTES_MAX = 64 * 1024;

/**
 * What one attempt's upstream listeners share: its backend, whether its outcome was counted there, and the trailers to
 * end the client's response with. A record and methods rather than closures made per call: the proxy's per-call
 * closures were each given a name at run time (esbuild's keepNames, as tsx runs the balancer), a property definition
 * per closure per call.
 */
interface AttemptState {
  readonly endpoint: Endpoint | undefined;
  settled: boolean;
  trailers: Record<string, string> | undefined;
}

/** Listens for a stream's errors, which its 'close' handling answers. */
function ignoreError(): void {
  // Nothing to do here: see the comment above.
}

/** A shared HTTP/2 connection to a backend, and whether it ever connected (a refused connection did not run a call). */
export interface UpstreamConnection {
  session: ClientHttp2Session;
  connected: boolean;
}

/** What a call needs of its proxy: the settings, and the shared connection to an address. */
export interface ProxyContext {
  readonly settings: ProxyOptions;
  session(address: string): UpstreamConnection;
}

/**
 * One client call through the proxy: its request frames are kept (up to maxReplayBytes) so that an attempt that failed
 * before any response can be replayed on another backend, as GrpcProxy's failover rules allow; the response frames
 * pass through to the client (a single-message response only once its trailers arrived).
 */
export class ProxiedCall {
  private readonly replay: Buffer[] = [];
  private replayBytes = 0;
  private replayable = true;
  private requestEnded = false;
  private responded = false;
  private finished = false;
  private attempts = 0;
  /** Backends already tried, made at the first retry. */
  private tried: Set<Endpoint> | undefined;
  private upstream: ClientHttp2Stream | undefined;
  private readonly deadlineMs: number | undefined;
  private onFinished: (() => void) | undefined;
  /** A backend's reset of this call's stream, answered when no other backend is left to try. */
  private lastFailure: ProxyFailure | undefined;
  private readonly shape: MethodShape;
  /** Request chunks not yet written upstream: a single-request method's message waits for its end (see start). */
  private readonly held: Buffer[] = [];
  private heldBytes = 0;
  private holdingRequest: boolean;

  constructor(
    private readonly proxy: ProxyContext,
    private readonly stream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    private readonly service: string,
    method: string,
    private readonly local: boolean,
  ) {
    this.deadlineMs = deadlineFrom(headers['grpc-timeout'], Date.now());
    this.shape = proxy.settings.methodShape(service, method);
    this.holdingRequest = this.shape.singleRequest;
  }

  start(onFinished: () => void): void {
    this.onFinished = onFinished;
    const maxReplay = this.proxy.settings.maxReplayBytes ?? 4 * 1024 * 1024;
    this.stream.on('data', (chunk: Buffer) => {
      if (this.replayable) {
        this.replayBytes += chunk.length;
        if (this.replayBytes > maxReplay) {
          this.replayable = false;
          this.replay.length = 0;
        } else {
          this.replay.push(chunk);
        }
      }
      if (this.holdingRequest) {
        this.heldBytes += chunk.length;
        this.held.push(chunk);
        if (this.heldBytes <= HELD_REQUEST_BYTES_MAX) return;
        // Longer than a message worth holding: pass it through as it comes from now on.
        this.holdingRequest = false;
        this.writeHeld();
        return;
      }
      this.writeUpstream(chunk);
    });
    this.stream.on('end', () => {
      this.requestEnded = true;
      const upstream = this.upstream;
      if (upstream === undefined) return;
      // The held message and the end in the same tick: node:http2 then sends END_STREAM on the message's DATA frame.
      this.writeHeld();
      upstream.end();
    });
    this.stream.on('close', () => {
      // The client went away (cancelled, deadline, connection lost) before the call ended: cancel upstream too.
      if (!this.finished) {
        this.upstream?.close(constants.NGHTTP2_CANCEL);
        this.finish();
      }
    });
    this.attempt();
  }

  private attempt(): void {
    const { backends, localAddress } = this.proxy.settings;
    if (this.deadlineMs !== undefined && Date.now() >= this.deadlineMs) {
      this.fail({ kind: 'deadline' });
      return;
    }
    const endpoint = this.local ? undefined : backends.pick(this.service, this.tried);
    if (!this.local && endpoint === undefined) {
      backends.callsWithoutBackend += 1;
      this.fail(this.lastFailure ?? { kind: 'no-backend', service: this.service, tried: this.tried?.size ?? 0 });
      return;
    }
    this.attempts += 1;
    const address = endpoint?.address ?? localAddress;
    const connection = this.proxy.session(address);
    endpoint?.callStarted();
    const outgoing = forwardableHeaders(this.headers);
    outgoing[':method'] = 'POST';
    outgoing[':path'] = this.headers[':path'];
    outgoing[':scheme'] = 'http';
    outgoing[':authority'] = address;
    if (this.deadlineMs !== undefined) outgoing['grpc-timeout'] = timeoutHeader(this.deadlineMs, Date.now());
    // The balancer's own services count a client's resources by its address (the registry's limit of registrations).
    const clientAddress = this.stream.session?.socket?.remoteAddress;
    if (this.local && clientAddress !== undefined) outgoing[CLIENT_ADDRESS_HEADER] = clientAddress;
    let upstream: ClientHttp2Stream;
    try {
      upstream = connection.session.request(outgoing, { endStream: false });
    } catch {
      endpoint?.callEnded(false);
      this.upstreamFailed(endpoint, true, { kind: 'backend-lost', responding: false });
      return;
    }
    this.upstream = upstream;
    // A retry only happens while the replay holds every chunk received so far, the held ones too.
    for (const chunk of this.replay) upstream.write(chunk);
    this.held.length = 0;
    this.heldBytes = 0;
    if (this.requestEnded) upstream.end();

    const state: AttemptState = { endpoint, settled: false, trailers: undefined };
    // A single-message response is held until its trailers arrive, so that a backend dying at any moment before
    // then leaves the call retryable (CI caught a worker killed between its response headers and its trailers).
    // Streaming responses pass through as they come.
    const holdResponse = this.shape.singleResponse;
    let heldHeaders: IncomingHttpHeaders | undefined;
    const heldData: Buffer[] = [];
    upstream.on('response', (responseHeaders, flags) => {
      const trailersOnly =
        (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0 || responseHeaders['grpc-status'] !== undefined;
      const status = Number(responseHeaders['grpc-status'] ?? GrpcStatus.UNKNOWN);
      if (trailersOnly && status === GrpcStatus.UNAVAILABLE && this.mayRetry(false)) {
        this.settle(state, false);
        upstream.close(constants.NGHTTP2_CANCEL);
        this.retry(endpoint);
        return;
      }
      if (trailersOnly) {
        this.settle(state, status === GrpcStatus.OK);
        this.responded = true;
        if (!this.stream.closed) this.stream.respond(asClientResponse(responseHeaders), { endStream: true });
        this.finish();
        return;
      }
      if (holdResponse) {
        heldHeaders = responseHeaders;
        return;
      }
      this.beginResponse(state, responseHeaders);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (holdResponse) {
        heldData.push(chunk);
        return;
      }
      if (!this.stream.write(chunk)) {
        upstream.pause();
        this.stream.once('drain', () => upstream.resume());
      }
    });
    upstream.on('trailers', (received) => {
      state.trailers = asClientTrailers(received);
    });
    upstream.on('end', () => {
      if (holdResponse && heldHeaders !== undefined && state.trailers !== undefined) {
        // The whole single-message response arrived: now it may reach the client.
        this.beginResponse(state, heldHeaders);
        for (const chunk of heldData) this.stream.write(chunk);
      }
      if (!this.responded) return;
      this.settle(state, state.trailers?.['grpc-status'] === String(GrpcStatus.OK));
      if (!this.stream.closed) this.stream.end();
      this.finish();
    });
    upstream.on('error', ignoreError);
    upstream.on('close', () => {
      if (!this.settle(state, false) || this.finished) return;
      // Only a broken connection says the backend is unreachable. A stream the backend reset on a connection that
      // still works is about this one call (too much metadata, a protocol error, a stream refused while draining):
      // it never marks the backend down, or one hostile call would take a whole service out of rotation.
      const connectionLost = !connection.connected || connection.session.destroyed || connection.session.closed;
      if (this.responded) {
        // The response had begun: end it with a status instead of leaving the client without one.
        const { code, message } = proxyStatus({ kind: 'backend-lost', responding: true });
        state.trailers = { 'grpc-status': String(code), 'grpc-message': encodeStatusMessage(message) };
        if (!this.stream.closed) this.stream.end();
        this.finish();
        return;
      }
      if (connectionLost) {
        this.upstreamFailed(endpoint, !connection.connected, { kind: 'backend-lost', responding: false });
        return;
      }
      const refused = upstream.rstCode === constants.NGHTTP2_REFUSED_STREAM;
      this.upstreamFailed(undefined, refused, { kind: 'stream-reset', rstCode: upstream.rstCode ?? 0 }, endpoint);
    });
  }

  /** The response's headers go to the client; its trailers follow when node:http2 asks for them. */
  private beginResponse(state: AttemptState, responseHeaders: IncomingHttpHeaders): void {
    this.responded = true;
    this.stream.respond(asClientResponse(responseHeaders), { waitForTrailers: true });
    this.stream.on('wantTrailers', () =>
      this.stream.sendTrailers(
        state.trailers ?? { 'grpc-status': String(GrpcStatus.INTERNAL), 'grpc-message': 'backend sent no status' },
      ),
    );
  }

  /** Counts an attempt's outcome on its backend, once: false when it was counted already. */
  private settle(state: AttemptState, ok: boolean): boolean {
    if (state.settled) return false;
    state.settled = true;
    state.endpoint?.callEnded(ok);
    return true;
  }

  /** Writes a request chunk to the current attempt, pausing the client while the backend is behind. */
  private writeUpstream(chunk: Buffer): void {
    const upstream = this.upstream;
    if (upstream !== undefined && !upstream.write(chunk)) {
      this.stream.pause();
      upstream.once('drain', () => this.stream.resume());
    }
  }

  private writeHeld(): void {
    for (const chunk of this.held) this.writeUpstream(chunk);
    this.held.length = 0;
    this.heldBytes = 0;
  }

  /**
   * A failure before any response: retry elsewhere when allowed, else answer the failure's status. `unreachable` is
   * the endpoint whose connection broke (reported, so that its health watch checks it afresh); `failed` the one tried.
   */
  private upstreamFailed(
    unreachable: Endpoint | undefined,
    certainlyNotRun: boolean,
    failure: ProxyFailure,
    failed: Endpoint | undefined = unreachable,
  ): void {
    if (unreachable !== undefined) this.proxy.settings.backends.reportUnreachable(unreachable);
    this.lastFailure = failure.kind === 'stream-reset' ? failure : undefined;
    if (this.mayRetry(certainlyNotRun)) {
      this.retry(failed);
      return;
    }
    this.fail(failure);
  }

  /** Whether another backend may be tried: `certainlyNotRun` when the failed attempt cannot have executed. */
  private mayRetry(certainlyNotRun: boolean): boolean {
    if (this.local || this.responded || !this.replayable || this.stream.closed) return false;
    if (this.attempts >= (this.proxy.settings.maxAttempts ?? 3)) return false;
    return certainlyNotRun || this.shape.retrySafety !== 'unsafe';
  }

  private retry(failed: Endpoint | undefined): void {
    if (failed !== undefined) (this.tried ??= new Set()).add(failed);
    this.proxy.settings.backends.callsRetried += 1;
    this.upstream = undefined;
    this.attempt();
  }

  private fail(failure: ProxyFailure): void {
    const { code, message } = proxyStatus(failure);
    respondWithStatus(this.stream, code, message);
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onFinished?.();
  }
}

/**
 * A backend's response headers made the client's, in place (they are this attempt's own object; copying them with
 * rest and spread took 5 µs a call, the costliest line of the proxy's own code in a CPU profile): status 200 whatever
 * the backend's, its grpc-message capped (see capPassedMessage).
 */
function asClientResponse(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const response: OutgoingHttpHeaders = headers;
  response[':status'] = 200;
  const message = response['grpc-message'];
  if (typeof message === 'string') response['grpc-message'] = capPassedMessage(message);
  return response;
}

/** A backend's trailers as the client gets them, in one pass: without HTTP/2 pseudo-headers, grpc-message capped. */
function asClientTrailers(received: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name in received) if (name[0] !== ':') kept[name] = received[name] as string;
  const message = received['grpc-message'];
  if (typeof message === 'string') kept['grpc-message'] = capPassedMessage(message) ?? message;
  return kept;
}
