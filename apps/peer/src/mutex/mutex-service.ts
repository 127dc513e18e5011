import {
  MutexState,
  type MutexServiceServer,
  type ReplyRequest,
  type RequestRequest,
} from '@distlab/contracts/mutex/v1/mutex';
import {
  Code,
  createHandlers,
  durationToMs,
  limitText,
  msToDuration,
  requireCounter,
  StatusError,
  type Logger,
} from '@distlab/grpc-kit';
import type { MutexMessage, MutexStateName } from '@distlab/mutex';
import {
  MembershipNotReadyError,
  MutexDriver,
  NotHoldingError,
  NotMemberError,
  ShuttingDownError,
  TooManyWaitersError,
} from './mutex-driver';

const LEASE_MIN_MS = 100;
const LEASE_MAX_MS = 5 * 60_000;
const LEASE_DEFAULT_MS = 30_000;
const CLIENT_NAME_MAX = 100;

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
 * passes never sees a status from here: grpc-js answers CANCELLED or DEADLINE_EXCEEDED itself.
 */
function mutexErrorToStatus(error: unknown): StatusError | undefined {
  if (error instanceof NotHoldingError || error instanceof NotMemberError)
    return new StatusError(Code.FAILED_PRECONDITION, error.message);
  if (error instanceof TooManyWaitersError) return new StatusError(Code.RESOURCE_EXHAUSTED, error.message);
  if (error instanceof ShuttingDownError || error instanceof MembershipNotReadyError)
    return new StatusError(Code.UNAVAILABLE, error.message);
  return undefined;
}

/** MutexService: Ricart–Agrawala between peers (Request, Reply) and the lock for clients (Acquire, Release). */
export function mutexService(driver: MutexDriver, logger: Logger): MutexServiceServer {
  const handlers = createHandlers({ logger, mapError: mutexErrorToStatus });
  return {
    request: handlers.unary((request) => {
      driver.receive(requestMessage(request));
      return {};
    }),
    reply: handlers.unary((request) => {
      driver.receive(replyMessage(request));
      return {};
    }),
    acquire: handlers.unary(async (request, call) => {
      const leaseMs = durationToMs(request.lease, LEASE_DEFAULT_MS);
      if (!(leaseMs >= LEASE_MIN_MS && leaseMs <= LEASE_MAX_MS))
        throw new StatusError(Code.INVALID_ARGUMENT, `lease must be 100 ms to 5 min, not ${leaseMs} ms`);
      const clientName = limitText(request.clientName, 'client_name', CLIENT_NAME_MAX);
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
    getState: handlers.unary(() => {
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
    }),
  };
}

function requirePeerId(value: number, field: string): number {
  if (value === 0) throw new StatusError(Code.INVALID_ARGUMENT, `${field} must be a peer id, not 0`);
  return value;
}

/** Incarnations start at 1; a sender that leaves the field unset is in its first. */
function incarnationOf(value: string, field: string): number {
  return Math.max(1, requireCounter(value, field));
}

function requestMessage(request: RequestRequest): MutexMessage {
  const timestamp = requireCounter(request.timestamp, 'timestamp');
  if (timestamp === 0) throw new StatusError(Code.INVALID_ARGUMENT, 'timestamp must be a Lamport time, not 0');
  return {
    kind: 'request',
    from: requirePeerId(request.fromPeerId, 'from_peer_id'),
    timestamp,
    incarnation: incarnationOf(request.incarnation, 'incarnation'),
  };
}

function replyMessage(request: ReplyRequest): MutexMessage {
  return {
    kind: 'reply',
    from: requirePeerId(request.fromPeerId, 'from_peer_id'),
    requestTimestamp: requireCounter(request.requestTimestamp, 'request_timestamp'),
    requesterIncarnation: incarnationOf(request.requesterIncarnation, 'requester_incarnation'),
    incarnation: incarnationOf(request.incarnation, 'incarnation'),
    fencingTokenSeen: requireCounter(request.fencingTokenSeen, 'fencing_token_seen'),
  };
}
