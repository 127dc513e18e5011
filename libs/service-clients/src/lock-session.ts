import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import type {
  AcquireResponse,
  MutexServiceClient,
  ReleaseResponse,
  SessionRequest,
  SessionResponse,
} from '@distlab/contracts/mutex/v1/mutex';
import { Code, msToDuration, serviceError } from '@distlab/grpc-kit';

export interface SessionAcquireOptions {
  leaseMs: number;
  clientName?: string;
  /** Withdraw the request (DEADLINE_EXCEEDED) if not granted within this; unset waits until the session closes. */
  waitTimeoutMs?: number;
}

interface Outstanding {
  resolve(response: SessionResponse['result']): void;
  reject(error: ServiceError): void;
}

/**
 * The client side of MutexService.Session: acquire and release as promises over one stream, answered by request id.
 * A failed request rejects with a ServiceError carrying the status the peer named; a broken stream rejects everything
 * outstanding (and the peer has then released what this session held). `close` ends the session, releasing its holds.
 */
export class LockSession {
  private readonly call: ClientDuplexStream<SessionRequest, SessionResponse>;
  private readonly outstanding = new Map<string, Outstanding>();
  private requests = 0;
  private failure: ServiceError | undefined;

  constructor(client: MutexServiceClient) {
    this.call = client.session();
    this.call.on('data', (response: SessionResponse) => {
      const request = this.outstanding.get(response.requestId);
      if (request === undefined) return;
      this.outstanding.delete(response.requestId);
      if (response.result?.$case === 'error')
        request.reject(serviceError(response.result.value.code, response.result.value.message));
      else request.resolve(response.result);
    });
    const broken = (error: ServiceError) => {
      this.failure ??= error;
      for (const request of this.outstanding.values()) request.reject(error);
      this.outstanding.clear();
    };
    this.call.on('error', broken);
    this.call.on('status', (status) => {
      if (status.code === Code.OK) broken(serviceError(Code.UNAVAILABLE, 'the peer ended the session'));
    });
  }

  async acquire(options: SessionAcquireOptions): Promise<AcquireResponse> {
    const result = await this.send({
      $case: 'acquire',
      value: {
        lease: msToDuration(options.leaseMs),
        clientName: options.clientName ?? '',
        waitTimeout: options.waitTimeoutMs === undefined ? undefined : msToDuration(options.waitTimeoutMs),
      },
    });
    if (result?.$case !== 'acquired') throw serviceError(Code.INTERNAL, 'the peer answered an acquire with no grant');
    return result.value;
  }

  async release(fencingToken: string): Promise<ReleaseResponse> {
    const result = await this.send({ $case: 'release', value: { fencingToken } });
    if (result?.$case !== 'released') throw serviceError(Code.INTERNAL, 'the peer answered a release with no release');
    return result.value;
  }

  /** Ends the session: the peer withdraws what waits and releases what is held. */
  close(): void {
    this.call.end();
  }

  private send(action: SessionRequest['action']): Promise<SessionResponse['result']> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.requests += 1;
    const requestId = String(this.requests);
    return new Promise((resolve, reject) => {
      this.outstanding.set(requestId, { resolve, reject });
      this.call.write({ requestId, action });
    });
  }
}
