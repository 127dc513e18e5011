import type { AcquireRequest, ExchangeRequest, ReplyRequest, RequestRequest } from '@distlab/contracts/mutex/v1/mutex';
import { Code, durationToMs, limitText, requireCounter, StatusError } from '@distlab/grpc-kit';
import type { MutexMessage } from '@distlab/mutex';

/**
 * What MutexService accepts at its edge: peer messages (unary or in Exchange frames) and the terms of an Acquire
 * (unary or in a Session), checked once here. Each function throws StatusError(INVALID_ARGUMENT) naming the field.
 */

const LEASE_MIN_MS = 100;
const LEASE_MAX_MS = 5 * 60_000;
const LEASE_DEFAULT_MS = 30_000;
const CLIENT_NAME_MAX = 100;
/** The longest a session's Acquire may ask to wait: a day (unset waits until the session ends). */
const WAIT_TIMEOUT_MAX_MS = 24 * 60 * 60_000;

export interface AcquireTerms {
  leaseMs: number;
  clientName: string;
  /** How long a session's Acquire waits for its grant; undefined waits until the session ends. */
  waitTimeoutMs: number | undefined;
}

export function acquireTerms(request: AcquireRequest): AcquireTerms {
  const leaseMs = durationToMs(request.lease, LEASE_DEFAULT_MS);
  if (!(leaseMs >= LEASE_MIN_MS && leaseMs <= LEASE_MAX_MS))
    throw new StatusError(Code.INVALID_ARGUMENT, `lease must be 100 ms to 5 min, not ${leaseMs} ms`);
  const clientName = limitText(request.clientName, 'client_name', CLIENT_NAME_MAX);
  if (request.waitTimeout === undefined) return { leaseMs, clientName, waitTimeoutMs: undefined };
  const waitTimeoutMs = durationToMs(request.waitTimeout, 0);
  if (!(waitTimeoutMs > 0 && waitTimeoutMs <= WAIT_TIMEOUT_MAX_MS))
    throw new StatusError(
      Code.INVALID_ARGUMENT,
      `wait_timeout must be above 0 and at most a day, not ${waitTimeoutMs} ms`,
    );
  return { leaseMs, clientName, waitTimeoutMs };
}

function requirePeerId(value: number, field: string): number {
  if (value === 0) throw new StatusError(Code.INVALID_ARGUMENT, `${field} must be a peer id, not 0`);
  return value;
}

/** Incarnations start at 1; a sender that leaves the field unset is in its first. */
function incarnationOf(value: string, field: string): number {
  return Math.max(1, requireCounter(value, field));
}

export function requestMessage(request: RequestRequest): MutexMessage {
  const timestamp = requireCounter(request.timestamp, 'timestamp');
  if (timestamp === 0) throw new StatusError(Code.INVALID_ARGUMENT, 'timestamp must be a Lamport time, not 0');
  return {
    kind: 'request',
    from: requirePeerId(request.fromPeerId, 'from_peer_id'),
    timestamp,
    incarnation: incarnationOf(request.incarnation, 'incarnation'),
  };
}

export function replyMessage(request: ReplyRequest): MutexMessage {
  return {
    kind: 'reply',
    from: requirePeerId(request.fromPeerId, 'from_peer_id'),
    requestTimestamp: requireCounter(request.requestTimestamp, 'request_timestamp'),
    requesterIncarnation: incarnationOf(request.requesterIncarnation, 'requester_incarnation'),
    incarnation: incarnationOf(request.incarnation, 'incarnation'),
    fencingTokenSeen: requireCounter(request.fencingTokenSeen, 'fencing_token_seen'),
  };
}

export function frameMessage(frame: ExchangeRequest): MutexMessage {
  const message = frame.message;
  if (message?.$case === 'request') return requestMessage(message.value);
  if (message?.$case === 'reply') return replyMessage(message.value);
  throw new StatusError(Code.INVALID_ARGUMENT, 'a frame must carry a request or a reply');
}
