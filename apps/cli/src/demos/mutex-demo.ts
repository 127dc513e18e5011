import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { msToDuration, unaryCall } from '@distlab/grpc-kit';
import { checkLogicalClocks, checkMessagesPerEntry, checkMutualExclusion } from '@distlab/trace';
import { sleep, type DemoRun } from './demo-kit';

const ENTRIES_PER_PEER = 3;
const HOLD_MS = 20;

export async function ricartAgrawalaDemo(run: DemoRun): Promise<void> {
  const n = run.peerIds.length;
  run.say(
    `Ricart–Agrawala: ${n} peers each want the critical section ${ENTRIES_PER_PEER} times, all at once. A request goes ` +
      `to the ${n - 1} others; each replies at once unless it holds the section or asked earlier (by Lamport time).`,
  );
  await run.mark('ricart-agrawala');
  const started = performance.now();
  await Promise.all(
    run.peerIds.map(async (peerId) => {
      const mutex = run.client(MutexServiceClient, peerId);
      for (let entry = 0; entry < ENTRIES_PER_PEER; entry += 1) {
        const grant = await unaryCall(
          mutex,
          'acquire',
          { lease: msToDuration(10_000), clientName: `demo-${peerId}` },
          { deadlineMs: 30_000 },
        );
        run.say(
          `  peer-${peerId} enters with fencing token ${grant.fencingToken} (request ts ${grant.requestTimestamp})`,
        );
        await sleep(HOLD_MS);
        await unaryCall(mutex, 'release', { fencingToken: grant.fencingToken });
      }
    }),
  );
  run.say(`  ${n * ENTRIES_PER_PEER} entries in ${Math.round(performance.now() - started)} ms`);
  const events = await run.events();
  const mutexEvents = events.filter((event) => event.algorithm === 'ricart-agrawala');
  run.check(checkMutualExclusion(mutexEvents));
  run.check(checkMessagesPerEntry(mutexEvents, n));
  run.check(checkLogicalClocks(events));
}
