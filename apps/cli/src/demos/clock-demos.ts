import { compareVectors, formatVector } from '@distlab/clock';
import { ClockServiceClient } from '@distlab/contracts/clock/v1/clock';
import { unaryCall } from '@distlab/grpc-kit';
import { checkLogicalClocks, type TraceEvent } from '@distlab/trace';
import type { DemoRun } from './demo-kit';

/** A fixed little story of local events and messages between the peers, the same on every run. */
async function exchangeMessages(run: DemoRun): Promise<void> {
  const ids = run.peerIds;
  const steps = ids.length * 3;
  for (let step = 0; step < steps; step += 1) {
    const from = ids[(step * 2) % ids.length];
    const to = ids[(step * 2 + 1 + (step % 2)) % ids.length];
    const clock = run.client(ClockServiceClient, from);
    if (step % 3 === 2 || from === to) {
      const { event } = await unaryCall(clock, 'localEvent', { label: `step ${step}` });
      run.say(`  peer-${from} local event          L=${event?.stamp?.lamport}`);
      continue;
    }
    const sent = await unaryCall(clock, 'send', { toPeerId: to, payload: `step ${step}` });
    run.say(
      `  peer-${from} → peer-${to}: send L=${sent.sendEvent?.stamp?.lamport}, receive L=${sent.receiveEvent?.stamp?.lamport}` +
        ' (max(own, sent) + 1)',
    );
  }
}

export async function lamportDemo(run: DemoRun): Promise<void> {
  run.say(`Lamport clocks: ${run.peerIds.length} peers send each other messages; every receive jumps past the send.`);
  await run.mark('lamport');
  await exchangeMessages(run);
  const events = await run.events();
  run.check(checkLogicalClocks(events));
}

export async function vectorDemo(run: DemoRun): Promise<void> {
  run.say(
    'Vector clocks: the same exchange; a vector tells "happened before" from "concurrent", which Lamport cannot.',
  );
  await run.mark('vector');
  await exchangeMessages(run);
  const events = await run.events();
  const concurrent = findConcurrentPair(events);
  if (concurrent !== undefined) {
    const [a, b] = concurrent;
    run.say(
      `  concurrent: peer-${a.peer} "${a.label}" [${formatVector(a.vector)}] and peer-${b.peer} "${b.label}" ` +
        `[${formatVector(b.vector)}]: neither vector is below the other, though L=${a.lamport} and L=${b.lamport}`,
    );
  }
  run.check(checkLogicalClocks(events));
}

function findConcurrentPair(events: TraceEvent[]): [TraceEvent, TraceEvent] | undefined {
  for (const a of events)
    for (const b of events)
      if (a.peer < b.peer && a.kind !== 'local' && compareVectors(a.vector, b.vector) === 'concurrent') return [a, b];
  return undefined;
}
