import type { ChaosServiceServer, GetFaultsResponse, LinkFaults } from '@distlab/contracts/chaos/v1/chaos';
import { Code, createHandlers, durationToMs, msToDuration, StatusError, type Logger } from '@distlab/grpc-kit';
import type { FaultInjector, LinkFaultSettings, PeerLinks } from '../messaging';

const DELAY_MAX_MS = 60_000;
const PAUSE_MAX_MS = 10 * 60_000;

/** The chaos service's status mapping: all of it is input validation, decided where the input is read. */
function toSettings(faults: LinkFaults | undefined): LinkFaultSettings {
  const probability = (value: number, field: string) => {
    if (!(value >= 0 && value <= 1))
      throw new StatusError(Code.INVALID_ARGUMENT, `${field} must be 0 to 1, not ${value}`);
    return value;
  };
  const duration = (value: number, field: string) => {
    if (!(value >= 0 && value <= DELAY_MAX_MS))
      throw new StatusError(Code.INVALID_ARGUMENT, `${field} must be 0 to 1 minute, not ${value} ms`);
    return value;
  };
  return {
    blocked: faults?.blocked ?? false,
    hang: faults?.hang ?? false,
    dropProbability: probability(faults?.dropProbability ?? 0, 'drop_probability'),
    delayMs: duration(durationToMs(faults?.delay, 0), 'delay'),
    jitterMs: duration(durationToMs(faults?.jitter, 0), 'jitter'),
    duplicateProbability: probability(faults?.duplicateProbability ?? 0, 'duplicate_probability'),
  };
}

function toMessage(link: LinkFaultSettings & { toPeerId: number }): LinkFaults {
  return {
    toPeerId: link.toPeerId,
    blocked: link.blocked,
    hang: link.hang,
    dropProbability: link.dropProbability,
    delay: msToDuration(link.delayMs),
    jitter: msToDuration(link.jitterMs),
    duplicateProbability: link.duplicateProbability,
  };
}

/** What GetFaults answers (and ClusterService.WatchState shows): whether this peer is paused, and its links' faults. */
export function faultsOf(faults: FaultInjector, links: PeerLinks): GetFaultsResponse {
  return { peerId: links.self, paused: faults.paused, links: faults.describe().map(toMessage) };
}

/** ChaosService: fault injection on this peer's links, and pausing the peer. */
export function chaosService(faults: FaultInjector, links: PeerLinks, logger: Logger): ChaosServiceServer {
  const handlers = createHandlers({ logger });
  return {
    setLinkFaults: handlers.unary((request) => {
      const settings = toSettings(request.faults);
      const targets = request.toPeerIds.length === 0 ? links.others() : request.toPeerIds;
      for (const peerId of targets)
        if (!links.has(peerId))
          throw new StatusError(Code.NOT_FOUND, `peer ${peerId} is not a member of this peer's cluster`);
      faults.setLinks(targets, settings);
      logger.warn({ to: targets, ...settings }, 'link faults set');
      return { links: faults.describe().map(toMessage) };
    }),
    pause: handlers.unary((request) => {
      const durationMs = durationToMs(request.duration);
      if (durationMs !== undefined && !(durationMs >= 0 && durationMs <= PAUSE_MAX_MS))
        throw new StatusError(Code.INVALID_ARGUMENT, `duration must be 0 to 10 minutes, not ${durationMs} ms`);
      faults.pause(durationMs);
      logger.warn({ durationMs }, 'paused');
      return {};
    }),
    resume: handlers.unary(() => ({ heldCalls: faults.resume() })),
    heal: handlers.unary(() => {
      faults.heal();
      logger.warn('healed: no faults, not paused');
      return {};
    }),
    getFaults: handlers.unary(() => faultsOf(faults, links)),
  };
}
