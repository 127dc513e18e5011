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
import type { RetrySafety } from '@distlab/contracts';
import type { Logger } from '@distlab/grpc-kit';
import type { Backends } from '../balancing/backends';
import { GrpcStatus, respondWithStatus } from './grpc-wire';
import { ProxiedCall, type UpstreamConnection } from './proxied-call';

export interface ProxyOptions {
  backends: Backends;
  /** The balancer's own gRPC server (registry, admin, health, reflection), on loopback. */
  localAddress: string;
  localServices: ReadonlySet<string>;
  /** How safe a method is to send twice, from the contracts; `unsafe` when unknown. */
  retrySafety: (service: string, method: string) => RetrySafety;
  /** Whether a method answers with exactly one message (unary or client streaming), from the contracts. */
  singleResponse: (service: string, method: string) => boolean;
  logger: Logger;
  /** Backends one call may try. */
  maxAttempts?: number;
  /** Request bytes kept to replay on another backend; a longer request stream is not retried. */
  maxReplayBytes?: number;
  /** Serve clients over TLS with this certificate and key. */
  tls?: { certFile: string; keyFile: string; clientCaFile?: string };
  /** Reach backends over TLS, trusting this CA (the local server is always reached over loopback, in plaintext). */
  backendCaFile?: string;
}

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
    this.server =
      tls === undefined
        ? createServer()
        : createSecureServer({
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
    this.server.on('stream', (stream, headers) => this.handle(stream, headers));
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

  private handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    const path = headers[':path'] ?? '';
    const [, service = '', method = ''] = path.split('/');
    if (headers[':method'] !== 'POST' || !String(headers['content-type'] ?? '').startsWith('application/grpc')) {
      respondWithStatus(stream, GrpcStatus.UNIMPLEMENTED, 'not a gRPC request');
      return;
    }
    const local = this.options.localServices.has(service);
    if (!local && !this.options.backends.knows(service)) {
      this.options.backends.callsWithoutBackend += 1;
      respondWithStatus(stream, GrpcStatus.UNAVAILABLE, `no live backend for ${service}`);
      return;
    }
    this.activeCalls += 1;
    new ProxiedCall(this, stream, headers, service, method, local).start(() => {
      this.activeCalls -= 1;
      if (this.activeCalls === 0) this.idle.splice(0).forEach((wake) => wake());
    });
  }

  /** The shared upstream connection to an address, opened on first use. */
  session(address: string): UpstreamConnection {
    const existing = this.sessions.get(address);
    if (existing !== undefined && !existing.session.closed && !existing.session.destroyed) return existing;
    const secure = this.backendCa !== undefined && address !== this.options.localAddress;
    const session = secure ? connect(`https://${address}`, { ca: this.backendCa }) : connect(`http://${address}`);
    const entry = { session, connected: false };
    entry.session.on('connect', () => (entry.connected = true));
    const forget = () => {
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
