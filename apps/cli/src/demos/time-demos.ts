import { SyncAlgorithm, TimeServiceClient } from '@distlab/contracts/clock/v1/time';
import { durationToMs, unaryCall } from '@distlab/grpc-kit';
import { syncText } from '../commands/time';
import { verdict, type DemoRun } from './demo-kit';

/** Drift between a reading and the check (±50 ppm each under `distlab up`, over well under a second). */
const DRIFT_ALLOWANCE_MS = 0.1;

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
  const boundMs = durationToMs(round.errorBound, 0) + DRIFT_ALLOWANCE_MS;
  run.check(
    verdict(
      'Cristian error within its bound',
      errorMs <= boundMs,
      `true error ${errorMs.toFixed(3)} ms against the system clock, reported bound ±${durationToMs(round.errorBound, 0).toFixed(3)} ms`,
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
  run.check(
    verdict(
      'Berkeley skew within its bound',
      spread(after) <= skewBoundMs + DRIFT_ALLOWANCE_MS,
      `clocks within ${spread(after).toFixed(3)} ms of each other (true, against the system clock); reported bound ${skewBoundMs.toFixed(3)} ms`,
    ),
  );
}
