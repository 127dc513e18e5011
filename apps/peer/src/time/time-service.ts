import {
  SyncAlgorithm,
  TimeServiceClient,
  type GetTimeResponse,
  type PeerReading,
  type SynchronizeResponse,
  type TimeServiceServer,
} from '@distlab/contracts/clock/v1/time';
import { berkeleyRound, bestCristianEstimate, type BerkeleyReading, type CristianSample } from '@distlab/clock';
import {
  Code,
  createHandlers,
  durationToMs,
  isServiceError,
  msToDuration,
  requireCounter,
  StatusError,
  unaryCall,
  type Logger,
} from '@distlab/grpc-kit';
import {
  envelopeMetadata,
  MembershipNotReadyError,
  NotMemberError,
  type EventLog,
  type LogicalClocks,
  type PeerLinks,
} from '../messaging';
import type { VirtualClock } from './virtual-clock';
import { labMetrics } from '../peer-metrics';

/** Readings of each clock per synchronization unless the request says: the fastest of them is kept. */
const SAMPLES_DEFAULT = 8;
const SAMPLES_MAX = 32;
const MAX_DEVIATION_DEFAULT_MS = 1_000;
const ADJUSTMENT_MAX_MS = 3_600_000;

/** An AdjustTime of a round not newer than the last one applied. */
class StaleRoundError extends Error {}

/**
 * The time service's one status mapping: a stale Berkeley round is FAILED_PRECONDITION (it was applied already, or a
 * newer one was), and so is an AdjustTime from a master that is not a member; one whose membership discovery is still
 * looking up is UNAVAILABLE (retry). Input validation is decided where the input is read.
 */
function timeErrorToStatus(error: unknown): StatusError | undefined {
  if (error instanceof StaleRoundError || error instanceof NotMemberError)
    return new StatusError(Code.FAILED_PRECONDITION, error.message);
  if (error instanceof MembershipNotReadyError) return new StatusError(Code.UNAVAILABLE, error.message);
  return undefined;
}

export interface TimeServiceOptions {
  clock: VirtualClock;
  links: PeerLinks;
  clocks: LogicalClocks;
  log: EventLog;
  logger: Logger;
}

/** What GetTime answers (and ClusterService.WatchState shows, its offset rounded): this peer's clock now. */
export function timeOf(clock: VirtualClock, peerId: number): GetTimeResponse {
  const nowMs = clock.nowMs();
  return {
    peerId,
    time: new Date(nowMs),
    unixNanos: nanosOf(nowMs),
    offsetFromSystem: msToDuration(clock.offsetFromSystemMs()),
  };
}

/** TimeService: this peer's virtual clock, Cristian's time server and client, and Berkeley's master and follower. */
export function timeService(options: TimeServiceOptions): TimeServiceServer {
  const { clock, links } = options;
  const handlers = createHandlers({ logger: options.logger, mapError: timeErrorToStatus });
  let lastRound = 0;

  const logAdjustment = (algorithm: string, adjustmentMs: number, detail: string) => {
    recordAdjustment(algorithm, adjustmentMs, clock.offsetFromSystemMs());
    options.log.append({
      kind: 'clock-adjusted',
      stamp: options.clocks.tick(),
      algorithm,
      label: `clock ${adjustmentMs >= 0 ? '+' : ''}${adjustmentMs.toFixed(3)} ms (${detail})`,
    });
  };

  /** Reads a peer's clock `samples` times: one Cristian sample per reading, by this peer's clock. */
  const sample = async (peerId: number, samples: number, algorithm: string): Promise<CristianSample[]> => {
    const client = links.client(TimeServiceClient, peerId);
    const taken: CristianSample[] = [];
    for (let index = 0; index < samples; index += 1) {
      // The round trip is measured on the monotonic clock: this peer's own clock may be stepped meanwhile (another
      // synchronization, an AdjustTime), and a sample must not straddle the step.
      const sentAt = performance.now();
      const answer = await links.send(peerId, { algorithm, label: 'GetTime' }, (envelope) =>
        unaryCall(client, 'getTime', {}, { metadata: envelopeMetadata(envelope) }),
      );
      const receiveMs = clock.nowMs();
      const sendMs = receiveMs - (performance.now() - sentAt);
      taken.push({ sendMs, serverTimeMs: readingMs(answer.unixNanos, answer.time), receiveMs });
    }
    return taken;
  };

  const cristian = async (serverId: number, samples: number): Promise<SynchronizeResponse> => {
    let estimate;
    try {
      estimate = bestCristianEstimate(await sample(serverId, samples, 'cristian'));
    } catch (error) {
      throw new StatusError(Code.UNAVAILABLE, `time server ${serverId} could not be read: ${reasonOf(error)}`);
    }
    clock.adjust(estimate.offsetMs);
    logAdjustment('cristian', estimate.offsetMs, `Cristian from ${serverId}, ±${estimate.errorBoundMs.toFixed(3)} ms`);
    return {
      algorithm: SyncAlgorithm.SYNC_ALGORITHM_CRISTIAN,
      appliedAdjustment: msToDuration(estimate.offsetMs),
      errorBound: msToDuration(estimate.errorBoundMs),
      readings: [
        {
          peerId: serverId,
          offset: msToDuration(estimate.offsetMs),
          roundTrip: msToDuration(estimate.roundTripMs),
          included: true,
          adjustment: msToDuration(estimate.offsetMs),
          error: '',
        },
      ],
      round: '0',
    };
  };

  const berkeley = async (maxDeviationMs: number, samplesPerPeer: number): Promise<SynchronizeResponse> => {
    const failed: PeerReading[] = [];
    const readings: BerkeleyReading[] = [];
    for (const peerId of links.others()) {
      try {
        const samples = await sample(peerId, samplesPerPeer, 'berkeley');
        const best = samples.reduce((a, b) => (b.receiveMs - b.sendMs < a.receiveMs - a.sendMs ? b : a));
        readings.push({ peerId, ...best });
      } catch (error) {
        failed.push({
          peerId,
          offset: undefined,
          roundTrip: undefined,
          included: false,
          adjustment: undefined,
          error: reasonOf(error),
        });
      }
    }
    if (readings.length === 0) throw new StatusError(Code.UNAVAILABLE, 'no other peer could be read');
    const result = berkeleyRound(readings, maxDeviationMs);
    const round = Math.max(Date.now(), lastRound + 1);
    lastRound = round;
    const sent = await Promise.all(
      result.adjustments.map(async (entry): Promise<PeerReading> => {
        const reading = {
          peerId: entry.peerId,
          offset: msToDuration(entry.offsetMs),
          roundTrip: msToDuration(entry.roundTripMs),
          included: entry.included,
          adjustment: msToDuration(entry.adjustmentMs),
        };
        try {
          const kind = { algorithm: 'berkeley', label: `AdjustTime(${entry.adjustmentMs.toFixed(3)} ms)` };
          await links.send(entry.peerId, kind, (envelope) =>
            unaryCall(
              links.client(TimeServiceClient, entry.peerId),
              'adjustTime',
              { round: String(round), adjustment: msToDuration(entry.adjustmentMs), masterPeerId: links.self },
              { metadata: envelopeMetadata(envelope) },
            ),
          );
          return { ...reading, error: '' };
        } catch (error) {
          return { ...reading, error: `adjustment not applied: ${reasonOf(error)}` };
        }
      }),
    );
    clock.adjust(result.masterAdjustmentMs);
    logAdjustment('berkeley', result.masterAdjustmentMs, `Berkeley master, round ${round}`);
    return {
      algorithm: SyncAlgorithm.SYNC_ALGORITHM_BERKELEY,
      appliedAdjustment: msToDuration(result.masterAdjustmentMs),
      errorBound: msToDuration(result.errorBoundMs),
      readings: [...sent, ...failed],
      round: String(round),
    };
  };

  return {
    getTime: handlers.unary(() => timeOf(clock, links.self)),
    adjustTime: handlers.unary((request) => {
      const round = requireCounter(request.round, 'round');
      const adjustmentMs = durationToMs(request.adjustment, 0);
      if (!(Math.abs(adjustmentMs) <= ADJUSTMENT_MAX_MS))
        throw new StatusError(Code.INVALID_ARGUMENT, `adjustment must be within ±1 h, not ${adjustmentMs} ms`);
      if (request.masterPeerId === 0 || request.masterPeerId === links.self)
        throw new StatusError(Code.INVALID_ARGUMENT, 'master_peer_id must name another peer');
      // Only a member's round moves this clock: a stray process (another cluster's master) must not.
      links.requireMember(request.masterPeerId);
      if (!(round > lastRound))
        throw new StaleRoundError(`round ${round} is not newer than round ${lastRound}, already applied here`);
      lastRound = round;
      clock.adjust(adjustmentMs);
      logAdjustment('berkeley', adjustmentMs, `Berkeley round ${round} from master ${request.masterPeerId}`);
      return { time: clock.now() };
    }),
    synchronize: handlers.unary(async (request) => {
      if (request.samples > SAMPLES_MAX)
        throw new StatusError(
          Code.INVALID_ARGUMENT,
          `samples must be 1 to ${SAMPLES_MAX} (0 means ${SAMPLES_DEFAULT})`,
        );
      if (request.algorithm === SyncAlgorithm.SYNC_ALGORITHM_CRISTIAN) {
        const serverId = request.timeServerPeerId || links.others()[0];
        if (serverId === undefined || serverId === links.self || !links.has(serverId))
          throw new StatusError(
            Code.NOT_FOUND,
            `no time server peer ${serverId ?? '(no other peer)'} among the members`,
          );
        return cristian(serverId, request.samples || SAMPLES_DEFAULT);
      }
      if (request.algorithm === SyncAlgorithm.SYNC_ALGORITHM_BERKELEY) {
        const maxDeviationMs = durationToMs(request.maxDeviation, MAX_DEVIATION_DEFAULT_MS);
        if (!(maxDeviationMs >= 0)) throw new StatusError(Code.INVALID_ARGUMENT, 'max_deviation must not be negative');
        return berkeley(maxDeviationMs, request.samples || SAMPLES_DEFAULT);
      }
      throw new StatusError(
        Code.INVALID_ARGUMENT,
        'algorithm must be SYNC_ALGORITHM_CRISTIAN or SYNC_ALGORITHM_BERKELEY',
      );
    }),
  };
}

/** The clock metrics after an applied adjustment (peer-metrics.ts). */
function recordAdjustment(algorithm: string, adjustmentMs: number, offsetFromSystemMs: number): void {
  const metrics = labMetrics();
  metrics.clockAdjustmentSeconds.set({ algorithm }, adjustmentMs / 1000);
  metrics.clockOffsetSeconds.set(offsetFromSystemMs / 1000);
  metrics.clockSyncs.inc({ algorithm });
}

/** Fractional Unix milliseconds as whole nanoseconds, exactly (a double cannot hold 19 digits). */
function nanosOf(ms: number): string {
  const whole = Math.floor(ms);
  return String(BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6)));
}

/** A reading in fractional milliseconds: from unix_nanos when the peer sent it, else from the Timestamp. */
function readingMs(unixNanos: string, time: Date | undefined): number {
  if (unixNanos !== '0') {
    const nanos = BigInt(unixNanos);
    return Number(nanos / 1_000_000n) + Number(nanos % 1_000_000n) / 1e6;
  }
  if (time === undefined) throw new Error('the answer carries no time');
  return time.getTime();
}

function reasonOf(error: unknown): string {
  return isServiceError(error) ? error.details : String(error);
}
