import type { RetrySafety } from '@distlab/contracts';
import type { Logger } from '@distlab/grpc-kit';
import type { Backends } from '../balancing/backends';

/** What a GrpcProxy is built with; its calls (ProxiedCall) read the same settings. */
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
