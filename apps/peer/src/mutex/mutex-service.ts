import { MutexState, type GetStateResponse, type MutexServiceServer } from '@distlab/contracts/mutex/v1/mutex';
import { Code, createHandlers, msToDuration, requireCounter, StatusError, type Logger } from '@distlab/grpc-kit';
import type { MutexStateName } from '@distlab/mutex';
import { MembershipNotReadyError, NotMemberError } from '../messaging';
import { MutexDriver, NotHoldingError, ShuttingDownError, TooManyWaitersError } from './mutex-driver';
import { acquireTerms, frameMessage, replyMessage, requestMessage } from './mutex-messages';
import { ExchangeReceiver } from './mutex-exchange';
import { LockSessions } from './mutex-session';

const STATES: Record<MutexStateName, MutexState> = {
  released: MutexState.MUTEX_STATE_RELEASED,
  wanted: MutexState.MUTEX_STATE_WANTED,
  held: MutexState.MUTEX_STATE_HELD,
};

/**
 * The mutex service's one status mapping. Definite refusals: a release of a token not held and a message from a
 * non-member are FAILED_PRECONDITION (the state, not the input, is wrong); too many waiting clients is
 * RESOURCE_EXHAUSTED. A shutting-down peer is UNAVAILABLE (try another peer), and so is a peer whose membership,
 * discovered through the registry, is not complete yet (try again shortly). A client that cancels or whose deadline
 * passes never sees a status from here: grpc-js answers CANCELLED or DEADLINE_EXCEEDED itself (a Session's Acquire
 * whose wait_timeout passes is answered DEADLINE_EXCEEDED in its response). On the streams, Exchange and Session, the
 * same statuses travel per message, in the acknowledgement or response of the one that failed.
 */
/** What GetState answers (and ClusterService.WatchState shows): this peer's mutex state now. */
export function mutexStateOf(driver: MutexDriver): GetStateResponse {
  const state = driver.describe();
  return {
    peerId: driver.self,
    state: STATES[state.state],
    requestTimestamp: String(state.requestTimestamp),
    awaitingPeerIds: state.awaiting,
    deferredPeerIds: state.deferred,
    fencingToken: String(state.fencingToken),
    memberPeerIds: state.members,
    waitingClients: state.waitingClients,
    entries: String(state.entries),
  };
}

function mutexErrorToStatus(error: unknown): StatusError | undefined {
  if (error instanceof NotHoldingError || error instanceof NotMemberError)
    return new StatusError(Code.FAILED_PRECONDITION, error.message);
  if (error instanceof TooManyWaitersError) return new StatusError(Code.RESOURCE_EXHAUSTED, error.message);
  if (error instanceof ShuttingDownError || error instanceof MembershipNotReadyError)
    return new StatusError(Code.UNAVAILABLE, error.message);
  return undefined;
}

/**
 * MutexService: Ricart–Agrawala between peers (Request and Reply, or their frames on Exchange streams) and the lock
 * for clients (Acquire and Release, or both on a Session). `close` ends the open streams when the peer drains.
 */
export function mutexService(
  driver: MutexDriver,
  logger: Logger,
): { implementation: MutexServiceServer; close(): void } {
  const handlers = createHandlers({ logger, mapError: mutexErrorToStatus });
  const sessions = new LockSessions(driver, handlers.statusOf);
  const exchanges = new ExchangeReceiver((frame) => driver.receive(frameMessage(frame)), handlers.statusOf);
  const implementation: MutexServiceServer = {
    request: handlers.unary((request) => {
      driver.receive(requestMessage(request));
      return {};
    }),
    reply: handlers.unary((request) => {
      driver.receive(replyMessage(request));
      return {};
    }),
    // Each frame is taken as Request or Reply would take it, and refused with the status that call would get.
    exchange: exchanges.handle,
    session: sessions.handle,
    acquire: handlers.unary(async (request, call) => {
      const { leaseMs, clientName } = acquireTerms(request);
      const abandoned = new AbortController();
      call.on('cancelled', () => abandoned.abort());
      const grant = await driver.acquire(leaseMs, clientName, abandoned.signal);
      // Granted just as the client went away: nobody will release it, so release it now.
      if (call.cancelled) driver.release(grant.fencingToken, 'client went away as it was granted');
      return {
        fencingToken: String(grant.fencingToken),
        requestTimestamp: String(grant.requestTimestamp),
        leaseExpireTime: grant.leaseExpireTime,
      };
    }),
    release: handlers.unary((request) => ({
      held: msToDuration(driver.release(requireCounter(request.fencingToken, 'fencing_token'))),
    })),
    getState: handlers.unary(() => mutexStateOf(driver)),
  };
  return {
    implementation,
    close() {
      sessions.close();
      exchanges.close();
    },
  };
}
