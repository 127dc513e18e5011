import { SyncAlgorithm, TimeServiceClient, type SynchronizeResponse } from '@distlab/contracts/clock/v1/time';
import { durationToMs, unaryCall } from '@distlab/grpc-kit';
import { syncText } from '../commands/time';
import { verdict, type DemoRun } from './demo-kit';

/**
 * How far a peer's clock drifted on its own between the two readings of its true offset: the change of the offset
 * less what synchronization applied. A clock drifts at a steady rate, so between the synchronization and the second
 * reading it drifted no more than this; the checks allow that much on top of the reported bound (a synchronization
 * is judged by the error it left, not by the drift that followed). Measured, not assumed: peers may be started with
 * any --clock-drift-ppm, and a busy machine may take long between the readings.
 */
function driftedMs(peerId: number, before: Map<number, number>, after: Map<number, number>, appliedMs: number) {
  return Math.abs(after.get(peerId)! - before.get(peerId)! - appliedMs);
}

/** The adjustment each peer applied in a round, by peer id (a reading whose adjustment failed applied nothing). */
function appliedAdjustments(round: SynchronizeResponse, master: number): Map<number, number> {
  const applied = new Map([[master, durationToMs(round.appliedAdjustment, 0)]]);
  for (const reading of round.readings)
    applied.set(reading.peerId, reading.error === '' ? durationToMs(reading.adjustment, 0) : 0);
  return applied;
}

/** Every peer's clock minus the system clock they all share: the truth a lab on one machine has. */
async function trueOffsets(run: DemoRun): Promise<Map<number, number>> {
  const offsets = new Map<number, number>();
  for (const peerId of run.peerIds) {
    const reading = await unaryCall(run.client(TimeServiceClient, peerId), 'getTime', {});
    offsets.set(peerId, durationToMs(reading.offsetFromSystem, 0));
  }
  return offsets;
}

const spread = (offsets: Map<number, number>) => Math.max(...offsets.values()) - Math.min(...offsets.values());
const show = (offsets: Map<number, number>) =>
  [...offsets].map(([peerId, offset]) => `peer-${peerId} ${offset >= 0 ? '+' : ''}${offset.toFixed(3)} ms`).join(', ');

export async function cristianDemo(run: DemoRun): Promise<void> {
  const [server, client] = run.peerIds;
  run.say(`Cristian: peer-${client} asks peer-${server}'s GetTime 5 times and keeps the fastest answer.`);
  await run.mark('cristian');
  const before = await trueOffsets(run);
  run.say(
    `  before: peer-${client} is ${(before.get(client)! - before.get(server)!).toFixed(3)} ms from peer-${server}`,
  );
  const round = await unaryCall(run.client(TimeServiceClient, client), 'synchronize', {
    algorithm: SyncAlgorithm.SYNC_ALGORITHM_CRISTIAN,
    timeServerPeerId: server,
    samples: 5,
    maxDeviation: undefined,
  });
  run.say(syncText(round).replace(/^/gm, '  '));
  const after = await trueOffsets(run);
  const errorMs = Math.abs(after.get(client)! - after.get(server)!);
  const driftMs =
    driftedMs(client, before, after, durationToMs(round.appliedAdjustment, 0)) + driftedMs(server, before, after, 0);
  run.check(
    verdict(
      'Cristian error within its bound',
      errorMs <= durationToMs(round.errorBound, 0) + driftMs,
      `true error ${errorMs.toFixed(3)} ms against the system clock, reported bound ±${durationToMs(round.errorBound, 0).toFixed(3)} ms (+${driftMs.toFixed(3)} ms of drift since)`,
    ),
  );
}

export async function berkeleyDemo(run: DemoRun): Promise<void> {
  const master = run.peerIds[0];
  run.say(`Berkeley: peer-${master} polls every peer, averages the clocks, and sends each its own adjustment.`);
  await run.mark('berkeley');
  const before = await trueOffsets(run);
  run.say(`  before: ${show(before)} (spread ${spread(before).toFixed(3)} ms)`);
  const round = await unaryCall(run.client(TimeServiceClient, master), 'synchronize', {
    algorithm: SyncAlgorithm.SYNC_ALGORITHM_BERKELEY,
    timeServerPeerId: 0,
    samples: 0,
    maxDeviation: undefined,
  });
  run.say(syncText(round).replace(/^/gm, '  '));
  const after = await trueOffsets(run);
  run.say(`  after:  ${show(after)} (spread ${spread(after).toFixed(3)} ms)`);
  const skewBoundMs = 2 * durationToMs(round.errorBound, 0);
  const applied = appliedAdjustments(round, master);
  // Any two clocks drifted apart by at most the two largest drifts.
  const [largestMs = 0, nextMs = 0] = run.peerIds
    .map((peerId) => driftedMs(peerId, before, after, applied.get(peerId) ?? 0))
    .sort((a, b) => b - a);
  const driftMs = largestMs + nextMs;
  run.check(
    verdict(
      'Berkeley skew within its bound',
      spread(after) <= skewBoundMs + driftMs,
      `clocks within ${spread(after).toFixed(3)} ms of each other (true, against the system clock); reported bound ${skewBoundMs.toFixed(3)} ms (+${driftMs.toFixed(3)} ms of drift since)`,
    ),
  );
}
