import {
  ElectionAlgorithm,
  type ElectionServiceServer,
  type GetLeaderResponse,
} from '@distlab/contracts/election/v1/election';
import { Code, createHandlers, requireCounter, StatusError, type Handlers, type Logger } from '@distlab/grpc-kit';
import type { ElectionAlgorithm as AlgorithmName } from '@distlab/election';
import { MembershipNotReadyError, NotMemberError } from '../messaging';
import type { ElectionDriver } from './election-driver';
import { HeartbeatReceiver, type HeartbeatReply } from './heartbeat-receiver';

const PARTICIPANTS_MAX = 10_000;

const ALGORITHMS: Record<AlgorithmName, ElectionAlgorithm> = {
  bully: ElectionAlgorithm.ELECTION_ALGORITHM_BULLY,
  ring: ElectionAlgorithm.ELECTION_ALGORITHM_RING,
};

/** The algorithm named in a request; INVALID_ARGUMENT for unspecified or unknown values. */
export function algorithmName(value: ElectionAlgorithm): AlgorithmName {
  if (value === ElectionAlgorithm.ELECTION_ALGORITHM_BULLY) return 'bully';
  if (value === ElectionAlgorithm.ELECTION_ALGORITHM_RING) return 'ring';
  throw new StatusError(Code.INVALID_ARGUMENT, 'algorithm must be ELECTION_ALGORITHM_BULLY or ELECTION_ALGORITHM_RING');
}

/** StartElection with `wait` saw no leader agreed before its deadline. */
class NoLeaderYetError extends Error {}

/**
 * The election service's one status mapping. Input validation is decided where the input is read (INVALID_ARGUMENT).
 * A message from a peer that is not a member is FAILED_PRECONDITION (the membership, not the input, is wrong); under
 * registry discovery, from a peer not known yet, UNAVAILABLE (this peer looks it up; the sender tries again) until a
 * look made since has not found it, then FAILED_PRECONDITION. A
 * StartElection that waits past its deadline is DEADLINE_EXCEEDED (the election goes on).
 */
function electionErrorToStatus(error: unknown): StatusError | undefined {
  if (error instanceof NoLeaderYetError) return new StatusError(Code.DEADLINE_EXCEEDED, error.message);
  if (error instanceof NotMemberError) return new StatusError(Code.FAILED_PRECONDITION, error.message);
  if (error instanceof MembershipNotReadyError) return new StatusError(Code.UNAVAILABLE, error.message);
  return undefined;
}

function requirePeerId(value: number, field: string): number {
  if (value === 0) throw new StatusError(Code.INVALID_ARGUMENT, `${field} must be a peer id, not 0`);
  return value;
}

function requireParticipants(ids: number[]): number[] {
  if (ids.length === 0) throw new StatusError(Code.INVALID_ARGUMENT, 'participant_ids must not be empty');
  if (ids.length > PARTICIPANTS_MAX || ids.includes(0))
    throw new StatusError(Code.INVALID_ARGUMENT, `participant_ids must be 1 to ${PARTICIPANTS_MAX} peer ids`);
  return ids;
}

/** A heartbeat from `fromPeerId` under `term` (unary or on a stream), validated and answered by the driver's core. */
function answerHeartbeat(driver: ElectionDriver, fromPeerId: number, term: string): HeartbeatReply {
  const from = requirePeerId(fromPeerId, 'from_peer_id');
  const ack = driver.receive({ kind: 'heartbeat', from, term: requireCounter(term, 'term') });
  const leader = ack?.kind === 'heartbeat-ack' ? ack.leader : undefined;
  return { peerId: driver.self, leaderId: leader ?? 0, term: String(ack?.term ?? 0) };
}

/** ElectionService, and `close`, which ends its long-lived heartbeat streams when the peer drains. */
export interface ElectionServiceApi {
  implementation: ElectionServiceServer;
  close(): void;
}

/** What GetLeader answers (and ClusterService.WatchState shows): this peer's view of the leader now. */
export function leaderOf(driver: ElectionDriver): GetLeaderResponse {
  const view = driver.describe();
  return {
    peerId: driver.self,
    leaderId: view.leader ?? 0,
    term: String(view.term),
    algorithm: ALGORITHMS[view.algorithm],
    electTime: view.electTime,
    electionInProgress: view.electionInProgress,
  };
}

/** ElectionService: Bully and Ring messages between peers, heartbeats, and the leader for clients. */
export function electionService(driver: ElectionDriver, logger: Logger): ElectionServiceApi {
  const handlers = createHandlers({ logger, mapError: electionErrorToStatus });
  const heartbeats = new HeartbeatReceiver((from, term) => answerHeartbeat(driver, from, term), handlers.statusOf);
  return { implementation: implementation(driver, handlers, heartbeats), close: () => heartbeats.close() };
}

function implementation(
  driver: ElectionDriver,
  handlers: Handlers,
  heartbeats: HeartbeatReceiver,
): ElectionServiceServer {
  return {
    election: handlers.unary((request) => {
      const from = requirePeerId(request.candidateId, 'candidate_id');
      driver.receive({ kind: 'election', from, term: requireCounter(request.term, 'term') });
      return {};
    }),
    answer: handlers.unary((request) => {
      const from = requirePeerId(request.responderId, 'responder_id');
      driver.receive({ kind: 'answer', from, term: requireCounter(request.term, 'term') });
      return {};
    }),
    coordinator: handlers.unary((request) => {
      const from = requirePeerId(request.leaderId, 'leader_id');
      driver.receive({ kind: 'coordinator', from, term: requireCounter(request.term, 'term') });
      return {};
    }),
    ringElection: handlers.unary((request) => {
      const participants = requireParticipants(request.participantIds);
      const initiator = requirePeerId(request.initiatorId, 'initiator_id');
      const from = participants[participants.length - 1];
      driver.receive({
        kind: 'ring-election',
        from,
        initiator,
        term: requireCounter(request.term, 'term'),
        participants,
      });
      return {};
    }),
    ringCoordinator: handlers.unary((request) => {
      const participants = requireParticipants(request.participantIds);
      const initiator = requirePeerId(request.initiatorId, 'initiator_id');
      const leader = requirePeerId(request.leaderId, 'leader_id');
      driver.receive({
        kind: 'ring-coordinator',
        from: initiator,
        initiator,
        leader,
        term: requireCounter(request.term, 'term'),
        participants,
      });
      return {};
    }),
    heartbeat: handlers.unary((request) => answerHeartbeat(driver, request.fromPeerId, request.term)),
    heartbeatStream: heartbeats.handle,
    getLeader: handlers.unary(() => leaderOf(driver)),
    startElection: handlers.unary(async (request, call) => {
      const term = driver.startElection(algorithmName(request.algorithm));
      if (!request.wait) return { term: String(term), leaderId: 0 };
      const abandoned = new AbortController();
      call.on('cancelled', () => abandoned.abort());
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number(deadline);
      const timer = Number.isFinite(deadlineMs)
        ? setTimeout(() => abandoned.abort(), deadlineMs - Date.now() - 20)
        : undefined;
      try {
        const view = await driver.whenLeaderAgreed(abandoned.signal);
        return { term: String(view.term), leaderId: view.leader ?? 0 };
      } catch {
        throw new NoLeaderYetError('no leader agreed before the deadline; the election goes on');
      } finally {
        clearTimeout(timer);
      }
    }),
  };
}
