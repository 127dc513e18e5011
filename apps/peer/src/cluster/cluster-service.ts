import {
  ClusterServiceClient,
  type ClusterServiceServer,
  type WatchStateResponse,
} from '@distlab/contracts/cluster/v1/cluster';
import {
  checkHealth,
  Code,
  createHealthClient,
  createHandlers,
  isHostPort,
  requireCounter,
  requireHostPort,
  StatusError,
  unaryCall,
  type ClientSettings,
  type Logger,
} from '@distlab/grpc-kit';
import { envelopeMetadata, type PeerLinks } from '../messaging';
import { StateWatchers } from './state-watch';

/** How long RemoveMember waits for the peer to be removed to answer health before it believes it dead. */
const LIVENESS_PROBE_MS = 500;

/**
 * The cluster service's one status mapping: every refusal is decided where the input is read (INVALID_ARGUMENT,
 * NOT_FOUND for a non-member, FAILED_PRECONDITION for removing a peer that still answers).
 */
export function clusterService(
  links: PeerLinks,
  logger: Logger,
  /** What WatchState shows: the peer's state now (see state-watch.ts). */
  readState: () => WatchStateResponse,
  client: ClientSettings = {},
): { implementation: ClusterServiceServer; announce(address: string): void; close(): void } {
  const handlers = createHandlers({ logger });
  const stateWatchers = new StateWatchers(readState, handlers);
  /** Where this peer is reached, as it announces itself (known once its server listens). */
  let ownAddress = '';
  const requirePeerId = (value: number, field: string) => {
    if (value === 0) throw new StatusError(Code.INVALID_ARGUMENT, `${field} must be a peer id, not 0`);
    if (value === links.self) throw new StatusError(Code.INVALID_ARGUMENT, `${field} is this peer's own id`);
    return value;
  };
  const memberIds = () => links.members();

  const implementation: ClusterServiceServer = {
    announce: handlers.unary((request) => {
      const peerId = requirePeerId(request.peerId, 'peer_id');
      const incarnation = requireCounter(request.incarnation, 'incarnation');
      if (incarnation === 0) throw new StatusError(Code.INVALID_ARGUMENT, 'incarnation must be 1 or more');
      if (!links.has(peerId))
        throw new StatusError(Code.FAILED_PRECONDITION, `peer ${peerId} is not a member here: add it first`);
      // An announcement's address is a hint (a peer that moved); one that cannot be dialled is ignored, not an error.
      if (isHostPort(request.address)) links.add(peerId, request.address);
      links.noteIncarnation(peerId, incarnation);
      return {};
    }),
    listMembers: handlers.unary(() => ({
      peerId: links.self,
      incarnation: String(links.incarnation),
      members: memberIds().map((peerId) => ({
        peerId,
        address: peerId === links.self ? ownAddress : (links.addressOf(peerId) ?? ''),
        incarnation: String(peerId === links.self ? links.incarnation : links.incarnationOf(peerId)),
      })),
    })),
    watchState: stateWatchers.handle,
    removeMember: handlers.unary(async (request) => {
      const peerId = requirePeerId(request.peerId, 'peer_id');
      const address = links.addressOf(peerId);
      if (address === undefined) throw new StatusError(Code.NOT_FOUND, `peer ${peerId} is not a member`);
      if (await answers(address, client))
        throw new StatusError(
          Code.FAILED_PRECONDITION,
          `peer ${peerId} at ${address} still answers: stop it before removing it (removing a live peer could let two processes into the critical section)`,
        );
      links.remove(peerId);
      logger.warn({ peerId }, 'member removed by an operator');
      return { memberPeerIds: memberIds() };
    }),
    addMember: handlers.unary((request) => {
      const peerId = requirePeerId(request.peerId, 'peer_id');
      links.add(peerId, requireHostPort(request.address, 'address'));
      return { memberPeerIds: memberIds() };
    }),
  };

  /** Tells every member this peer (re)started, retrying each until it hears (or is removed). */
  const announce = (address: string) => {
    ownAddress = address;
    for (const peerId of links.others()) {
      const request = { peerId: links.self, incarnation: String(links.incarnation), address };
      const kind = { algorithm: 'cluster', label: `Announce(incarnation ${links.incarnation})` };
      void links.deliver(peerId, kind, (envelope) =>
        unaryCall(links.client(ClusterServiceClient, peerId), 'announce', request, {
          metadata: envelopeMetadata(envelope),
        }),
      );
    }
  };
  return { implementation, announce, close: () => stateWatchers.close() };
}

/** Whether a server answers health at `address` within the probe time (any answer counts: it is alive). */
async function answers(address: string, settings: ClientSettings): Promise<boolean> {
  const health = createHealthClient(address, { ...settings, deadlineMs: LIVENESS_PROBE_MS, maxAttempts: 1 });
  try {
    await checkHealth(health);
    return true;
  } catch (error) {
    return (
      (error as { code?: number }).code !== Code.UNAVAILABLE &&
      (error as { code?: number }).code !== Code.DEADLINE_EXCEEDED
    );
  } finally {
    health.close();
  }
}
