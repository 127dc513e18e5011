import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { AcquireRequest, SessionRequest, SessionResponse } from '@distlab/contracts/mutex/v1/mutex';
import { Code, msToDuration, requireCounter, StatusError } from '@distlab/grpc-kit';
import { acquireTerms } from './mutex-messages';
import type { MutexDriver } from './mutex-driver';

type SessionCall = ServerDuplexStream<SessionRequest, SessionResponse>;

/**
 * MutexService.Session: a client's Acquire and Release requests on one stream, each answered when it completes. The
 * stream is the client's liveness, as a session is in Chubby or ZooKeeper: when it ends, is cancelled or its connection
 * drops, every Acquire still waiting is withdrawn and every hold granted on it (and not released) is released, so a
 * client that goes away leaves no orphaned lock. Statuses come from the service's one mapping (`statusOf`), in the
 * response of the request that failed; the stream itself goes on.
 */
export class LockSessions {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly driver: MutexDriver,
    private readonly statusOf: (error: unknown) => StatusError,
  ) {}

  /** The handler of one Session call. */
  readonly handle = (call: SessionCall): void => {
    const held = new Set<number>();
    const waiting = new Set<AbortController>();
    let ended = false;
    const respond = (response: SessionResponse) => {
      if (!ended) call.write(response);
    };
    const fail = (requestId: string, error: unknown) => {
      const status = this.statusOf(error);
      respond({ requestId, result: { $case: 'error', value: { code: status.code, message: status.message } } });
    };
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      this.open.delete(close);
      for (const controller of waiting) controller.abort();
      for (const token of held) this.releaseQuietly(token, reason);
    };
    const close = () => {
      end('peer shutting down');
      call.end();
    };
    this.open.add(close);

    call.on('data', (request: SessionRequest) => {
      if (ended) return;
      const action = request.action;
      try {
        if (action?.$case === 'acquire')
          this.acquire(request.requestId, action.value, { held, waiting, respond, fail });
        else if (action?.$case === 'release') {
          const token = requireCounter(action.value.fencingToken, 'release.fencing_token');
          const heldMs = this.driver.release(token);
          held.delete(token);
          respond({
            requestId: request.requestId,
            result: { $case: 'released', value: { held: msToDuration(heldMs) } },
          });
        } else throw new StatusError(Code.INVALID_ARGUMENT, 'a session request must be an acquire or a release');
      } catch (error) {
        fail(request.requestId, error);
      }
    });
    call.on('end', () => {
      end('session ended');
      call.end();
    });
    call.on('cancelled', () => end('session cancelled'));
    call.on('error', () => end('session failed'));
  };

  /** Ends every open session (the peer is draining): what they hold is released, what they wait for withdrawn. */
  close(): void {
    for (const close of [...this.open]) close();
  }

  private acquire(
    requestId: string,
    request: AcquireRequest,
    session: {
      held: Set<number>;
      waiting: Set<AbortController>;
      respond: (response: SessionResponse) => void;
      fail: (requestId: string, error: unknown) => void;
    },
  ): void {
    const terms = acquireTerms(request);
    const controller = new AbortController();
    let timedOut = false;
    const timer =
      terms.waitTimeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, terms.waitTimeoutMs).unref();
    session.waiting.add(controller);
    this.driver.acquire(terms.leaseMs, terms.clientName, controller.signal).then(
      (grant) => {
        clearTimeout(timer);
        session.waiting.delete(controller);
        // Granted just as the wait ran out or the session ended: nobody will release it, so release it now.
        if (controller.signal.aborted) {
          this.releaseQuietly(grant.fencingToken, 'granted as the wait ended');
          if (timedOut) session.fail(requestId, waitTimedOut(terms.waitTimeoutMs));
          return;
        }
        session.held.add(grant.fencingToken);
        session.respond({
          requestId,
          result: {
            $case: 'acquired',
            value: {
              fencingToken: String(grant.fencingToken),
              requestTimestamp: String(grant.requestTimestamp),
              leaseExpireTime: grant.leaseExpireTime,
            },
          },
        });
      },
      (error: unknown) => {
        clearTimeout(timer);
        session.waiting.delete(controller);
        if (timedOut) session.fail(requestId, waitTimedOut(terms.waitTimeoutMs));
        else if (!controller.signal.aborted) session.fail(requestId, error);
      },
    );
  }

  /** Releases a session's hold unless it already ended (released, or its lease ran out). */
  private releaseQuietly(token: number, reason: string): void {
    try {
      this.driver.release(token, reason);
    } catch {
      // Not held any more: nothing to release.
    }
  }
}

function waitTimedOut(waitTimeoutMs: number | undefined): StatusError {
  return new StatusError(Code.DEADLINE_EXCEEDED, `not granted within wait_timeout (${waitTimeoutMs} ms): withdrawn`);
}
