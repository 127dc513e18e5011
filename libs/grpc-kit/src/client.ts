import {
  InterceptingCall,
  Metadata,
  type CallOptions,
  type ChannelOptions,
  type Client,
  type ClientUnaryCall,
  type Interceptor,
  type ServiceError,
  type ChannelCredentials,
} from '@grpc/grpc-js';
import { retrySafety } from '@distlab/contracts';
import { channelCredentials, type ClientTlsFiles } from './tls';

/** A generated client class (e.g. GreeterServiceClient): constructible, and naming its service. */
export interface ClientConstructor<C extends Client> {
  new (address: string, credentials: ChannelCredentials, options?: Partial<ChannelOptions>): C;
  serviceName: string;
}

export interface ClientSettings {
  /** Deadline of every unary call that sets none itself. Streams get none by default: they may live long. */
  deadlineMs?: number;
  /** Sent as "authorization: Bearer <token>" on every call. */
  token?: string;
  /** TLS; plaintext when absent. */
  tls?: ClientTlsFiles;
  /** Metadata added to every call. */
  metadata?: Record<string, string>;
  /**
   * Attempts per call for the methods the contract marks safe to retry (idempotency_level), on UNAVAILABLE only;
   * 1 turns retries off. Other methods are never retried by the client.
   */
  maxAttempts?: number;
  /**
   * Extra grpc-js channel options. Long-lived channels between processes pass KEEPALIVE_CHANNEL_OPTIONS here (the
   * registry client and the balancer's health watches do), so that a silent link is noticed within seconds.
   */
  channelOptions?: Partial<ChannelOptions>;
  /** The caller's own interceptors, run after the kit's (which set the deadline and auth metadata). */
  interceptors?: readonly Interceptor[];
}

export const DEFAULT_DEADLINE_MS = 5_000;
export const DEFAULT_MAX_ATTEMPTS = 4;

/**
 * The gRPC service config that retries UNAVAILABLE, with exponential backoff, for exactly the methods whose contract
 * declares them free of side effects or idempotent. UNAVAILABLE is the one status that says the call did not run.
 */
export function retryServiceConfig(serviceName: string, maxAttempts: number): object {
  const retryable = [...retrySafety(serviceName)]
    .filter(([, safety]) => safety !== 'unsafe')
    .map(([method]) => ({ service: serviceName, method }));
  if (maxAttempts <= 1 || retryable.length === 0) return { methodConfig: [] };
  return {
    methodConfig: [
      {
        name: retryable,
        retryPolicy: {
          maxAttempts,
          initialBackoff: '0.05s',
          maxBackoff: '1s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
  };
}

function defaultsInterceptor(settings: ClientSettings): Interceptor {
  const deadlineMs = settings.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const extra = Object.entries(settings.metadata ?? {});
  return (options, nextCall) => {
    const definition = options.method_definition;
    const isUnary = !definition.requestStream && !definition.responseStream;
    const withDeadline =
      isUnary && options.deadline === undefined ? { ...options, deadline: Date.now() + deadlineMs } : options;
    return new InterceptingCall(nextCall(withDeadline), {
      start: (metadata, listener, next) => {
        for (const [key, value] of extra) metadata.set(key, value);
        if (settings.token !== undefined) metadata.set('authorization', `Bearer ${settings.token}`);
        next(metadata, listener);
      },
    });
  };
}

/**
 * A client for `target` (host:port, or any grpc-js target such as "ipv4:127.0.0.1:1,127.0.0.1:2") with distlab's
 * defaults: a deadline on every unary call, auth metadata, TLS, and retries of UNAVAILABLE for the methods the
 * contract marks safe to retry. Keepalive is for long-lived channels only: see KEEPALIVE_CHANNEL_OPTIONS.
 */
export function createClient<C extends Client>(
  Constructor: ClientConstructor<C>,
  target: string,
  settings: ClientSettings = {},
): C {
  const serviceConfig = retryServiceConfig(Constructor.serviceName, settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  return new Constructor(target, channelCredentials(settings.tls), {
    'grpc.service_config': JSON.stringify(serviceConfig),
    ...settings.channelOptions,
    interceptors: [defaultsInterceptor(settings), ...(settings.interceptors ?? [])],
  } as Partial<ChannelOptions>);
}

/** Per-call settings for `unaryCall`. */
export interface CallSettings {
  metadata?: Metadata;
  deadlineMs?: number;
  signal?: AbortSignal;
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** The names of a generated client's unary methods. */
export type UnaryMethodName<C> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [K in keyof C]: C[K] extends UnaryMethod<any, any> ? K : never;
}[keyof C];
type RequestOf<M> = M extends UnaryMethod<infer Req, unknown> ? Req : never;
type ResponseOf<M> = M extends UnaryMethod<never, infer Res> ? Res : never;

/**
 * Calls a unary method and returns a promise: `await unaryCall(client, 'sayHello', { name: 'Ada' })`. Rejects with the
 * grpc-js ServiceError (it has `code` and `details`). An aborted signal cancels the call.
 */
export function unaryCall<C, K extends UnaryMethodName<C>>(
  client: C,
  method: K,
  request: RequestOf<C[K]>,
  settings: CallSettings = {},
): Promise<ResponseOf<C[K]>> {
  const invoke = (client[method] as unknown as UnaryMethod<RequestOf<C[K]>, ResponseOf<C[K]>>).bind(client);
  const options: Partial<CallOptions> =
    settings.deadlineMs === undefined ? {} : { deadline: Date.now() + settings.deadlineMs };
  return new Promise((resolve, reject) => {
    const call = invoke(request, settings.metadata ?? new Metadata(), options, (error, response) =>
      error ? reject(error) : resolve(response),
    );
    settings.signal?.addEventListener('abort', () => call.cancel(), { once: true });
  });
}

/** Waits until the client's channel is connected, or rejects at the deadline. */
export function waitForReady(client: Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve()));
  });
}
