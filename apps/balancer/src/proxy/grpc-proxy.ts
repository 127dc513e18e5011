import { readFileSync } from 'node:fs';
import {
  connect,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { KEEPALIVE_TIME_MS, KEEPALIVE_TIMEOUT_MS } from '@distlab/grpc-kit';
import { respondWithStatus, timeoutHeaderValid } from './grpc-wire';
import { ProxiedCall, type UpstreamConnection } from './proxied-call';
import type { ProxyOptions } from './proxy-options';
import { headerListBytes, MAX_METADATA_BYTES, proxyStatus, type ProxyFailure } from './proxy-status';

/**
 * How much a backend may send on one stream, and on its whole connection, before the balancer has read it. HTTP/2's
 * default of 64 KiB made a streamed response (n! for n = 10^6 is 5.5 MB of digits) wait for a window update every
 * 64 KiB, a round trip to the backend each (`npm run bench:anchors -- --only gmp` streams it). A stream whose client
 * reads slowly still holds at most this much here, because the proxy stops reading upstream while the client is behind.
 */
const UPSTREAM_STREAM_WINDOW_BYTES = 1 << 20;
const UPSTREAM_SESSION_WINDOW_BYTES = 8 << 20;
/**
 * The largest header list the proxy's HTTP/2 server takes in. Well above MAX_METADATA_BYTES, so that a client sending
 * too much metadata gets a status that says so from the proxy, instead of a stream reset from the HTTP/2 layer.
 */
const ACCEPTED_HEADER_LIST_BYTES = 1024 * 1024;

/**
 * A generic gRPC proxy at the HTTP/2 level: it reads the service name from `:path`, picks a backend of that service,
 * and passes frames through without decoding them, so it needs no code per service.
 *
 * Failover keeps the client's outcome honest (definite versus indefinite failures): a call is retried on another
 * backend only while nothing of the response has reached the client, and only when it certainly did not run (the
 * connection or the stream was refused) or when its contract declares it safe to repeat. Deadlines travel as
 * grpc-timeout, recomputed for each attempt; a client that cancels cancels the upstream call.
 */
export class GrpcProxy {
  private readonly server: Http2Server | Http2SecureServer;
  private readonly backendCa: Buffer | undefined;
  private readonly sessions = new Map<string, UpstreamConnection>();
  private readonly clientSessions = new Set<Http2Session>();
  private activeCalls = 0;
  private idle: Array<() => void> = [];

  constructor(private readonly options: ProxyOptions) {
    const tls = options.tls;
    const settings = { maxHeaderListSize: ACCEPTED_HEADER_LIST_BYTES };
    this.server =
      tls === undefined
        ? createServer({ settings, maxSessionMemory: 64 })
        : createSecureServer({
            settings,
            maxSessionMemory: 64,
            cert: readFileSync(tls.certFile),
            key: readFileSync(tls.keyFile),
            ...(tls.clientCaFile === undefined
              ? {}
              : { ca: readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: true }),
          });
    this.backendCa = options.backendCaFile === undefined ? undefined : readFileSync(options.backendCaFile);
    this.server.on('session', (session) => {
      this.clientSessions.add(session);
      session.on('close', () => this.clientSessions.delete(session));
      session.on('error', () => undefined);
    });
    this.server.on(
      'stream',
      (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) =>
        this.handle(stream, headers, rawHeaders),
    );
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as { port: number }).port;
  }

  /** Stops accepting connections, lets calls in flight finish for up to `graceMs`, then closes everything. */
  async close(graceMs: number): Promise<void> {
    this.server.close();
    for (const session of this.clientSessions) session.close();
    if (this.activeCalls > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.idle.push(resolve)),
        new Promise((resolve) => setTimeout(resolve, graceMs)),
      ]);
    }
    for (const session of this.clientSessions) session.destroy();
    for (const { session } of this.sessions.values()) session.destroy();
  }

  private handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]): void {
    stream.on('error', ignoreError);
    const path = headers[':path'] ?? '';
    const [, service = '', method = ''] = path.split('/');
    const refusal = this.refusal(headers, rawHeaders, service);
    if (refusal !== undefined) {
      if (refusal.kind === 'no-backend') this.options.backends.callsWithoutBackend += 1;
      const { code, message } = proxyStatus(refusal);
      respondWithStatus(stream, code, message);
      return;
    }
    const local = this.options.localServices.has(service);
    this.activeCalls += 1;
    new ProxiedCall(this, stream, headers, service, method, local).start(this.callFinished);
  }

  /** Made once, not per call: counts a call's end and wakes close() when the last one ends. */
  private readonly callFinished = (): void => {
    this.activeCalls -= 1;
    if (this.activeCalls === 0) this.idle.splice(0).forEach((wake) => wake());
  };

  /** Why a request is answered at the edge, before any backend sees it; undefined when it may be forwarded. */
  private refusal(headers: IncomingHttpHeaders, rawHeaders: string[], service: string): ProxyFailure | undefined {
    if (headers[':method'] !== 'POST' || !String(headers['content-type'] ?? '').startsWith('application/grpc')) {
      return { kind: 'not-grpc' };
    }
    const bytes = headerListBytes(rawHeaders);
    if (bytes > MAX_METADATA_BYTES) return { kind: 'metadata-too-large', bytes };
    const timeout = headers['grpc-timeout'];
    if (!timeoutHeaderValid(timeout)) return { kind: 'bad-timeout', value: String(timeout) };
    if (!this.options.localServices.has(service) && !this.options.backends.knows(service)) {
      return { kind: 'no-backend', service, tried: 0 };
    }
    return undefined;
  }

  /** The shared upstream connection to an address, opened on first use. */
  session(address: string): UpstreamConnection {
    const existing = this.sessions.get(address);
    if (existing !== undefined && !existing.session.closed && !existing.session.destroyed) return existing;
    const secure = this.backendCa !== undefined && address !== this.options.localAddress;
    const options = { settings: { initialWindowSize: UPSTREAM_STREAM_WINDOW_BYTES } };
    const session = secure
      ? connect(`https://${address}`, { ...options, ca: this.backendCa })
      : connect(`http://${address}`, options);
    const entry = { session, connected: false };
    entry.session.on('connect', () => {
      entry.connected = true;
      session.setLocalWindowSize(UPSTREAM_SESSION_WINDOW_BYTES);
    });
    const keepalive = keepAlive(session);
    const forget = () => {
      keepalive.stop();
      if (this.sessions.get(address) === entry) this.sessions.delete(address);
    };
    entry.session.on('error', forget);
    entry.session.on('goaway', forget);
    entry.session.on('close', forget);
    this.sessions.set(address, entry);
    return entry;
  }

  get settings(): ProxyOptions {
    return this.options;
  }
}

/** Listens for a client stream's errors: its call answers them, or its 'close' does. */
function ignoreError(): void {
  // Nothing to do here: see the comment above.
}

/**
 * HTTP/2 keepalive for one upstream connection, at the kit's figures (KEEPALIVE_TIME_MS): a ping every interval that
 * must be answered within KEEPALIVE_TIMEOUT_MS, else the connection is destroyed, its calls fail as a lost backend
 * (and are retried elsewhere when allowed), and the next call dials afresh. Without it a connection to a backend
 * behind a dead link stalls for as long as TCP keeps retransmitting.
 */
function keepAlive(session: Http2Session): { stop(): void } {
  let waiting: NodeJS.Timeout | undefined;
  const interval = setInterval(() => {
    if (session.destroyed || waiting !== undefined || session.connecting) return;
    waiting = setTimeout(() => session.destroy(), KEEPALIVE_TIMEOUT_MS);
    waiting.unref();
    const sent = session.ping(() => {
      clearTimeout(waiting);
      waiting = undefined;
    });
    if (!sent) {
      clearTimeout(waiting);
      waiting = undefined;
    }
  }, KEEPALIVE_TIME_MS);
  interval.unref();
  return {
    stop: () => {
      clearInterval(interval);
      clearTimeout(waiting);
    },
  };
}
