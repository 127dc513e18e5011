import type { Logger } from '@distlab/grpc-kit';
import type { Backends } from '../balancing/backends';
import type { MethodShape } from './method-shape';

/** What a GrpcProxy is built with; its calls (ProxiedCall) read the same settings. */
export interface ProxyOptions {
  backends: Backends;
  /** The balancer's own gRPC server (registry, admin, health, reflection), on loopback. */
  localAddress: string;
  localServices: ReadonlySet<string>;
  /** What the contracts say of a method (see MethodShape); UNKNOWN_METHOD when they do not know it. */
  methodShape: (service: string, method: string) => MethodShape;
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
