import { ElectionAlgorithm, ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { sleep, verdict, type DemoRun } from './demo-kit';

const AGREEMENT_TIMEOUT_MS = 10_000;

async function leaders(run: DemoRun, peerIds: number[]): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  for (const peerId of peerIds) {
    try {
      const view = await unaryCall(run.client(ElectionServiceClient, peerId), 'getLeader', {}, { deadlineMs: 500 });
      seen.set(peerId, view.electionInProgress ? 0 : view.leaderId);
    } catch {
      seen.set(peerId, -1);
    }
  }
  return seen;
}

/** Polls until every listed peer names the same leader (not `excluded`); returns it and how long that took. */
async function untilAgreed(run: DemoRun, peerIds: number[], excluded = 0) {
  const started = performance.now();
  let seen = new Map<number, number>();
  while (performance.now() - started < AGREEMENT_TIMEOUT_MS) {
    seen = await leaders(run, peerIds);
    const [only, ...others] = new Set(seen.values());
    if (others.length === 0 && only !== undefined && only > 0 && only !== excluded)
      return { leader: only, afterMs: performance.now() - started, seen };
    await sleep(20);
  }
  return { leader: 0, afterMs: performance.now() - started, seen };
}

const views = (seen: Map<number, number>) => [...seen].map(([peerId, leader]) => `${peerId}→${leader}`).join(' ');

export async function bullyDemo(run: DemoRun): Promise<void> {
  run.say(
    'Bully: kill -9 the coordinator; its followers miss its heartbeats, and the highest live id bullies its way in.',
  );
  await run.mark('bully');
  const before = await untilAgreed(run, run.peerIds);
  if (before.leader === 0) {
    run.check(verdict('one leader before', false, `no agreed leader to start from: ${views(before.seen)}`));
    return;
  }
  run.say(`  every peer follows peer-${before.leader}`);
  const pid = await pidOf(run, before.leader);
  if (pid === undefined) {
    run.check(
      verdict(
        'kill the coordinator',
        false,
        `peer-${before.leader} registered no pid: run the cluster with distlab up`,
      ),
    );
    return;
  }
  process.kill(pid, 'SIGKILL');
  run.say(`  kill -9 ${pid} (peer-${before.leader})`);
  const live = run.peerIds.filter((peerId) => peerId !== before.leader);
  const after = await untilAgreed(run, live, before.leader);
  const highest = Math.max(...live);
  run.say(`  ${views(after.seen)} after ${Math.round(after.afterMs)} ms`);
  run.check(
    verdict(
      'live peers agree on the highest live id',
      after.leader === highest,
      `${live.length} live peers follow peer-${after.leader} (highest live: ${highest}), agreed ${Math.round(after.afterMs)} ms after the kill`,
    ),
  );
  run.say(`  (distlab up restarts peer-${before.leader}; as the highest id it will bully its way back)`);
}

export async function ringDemo(run: DemoRun): Promise<void> {
  const initiator = run.peerIds[0];
  run.say(`Ring: peer-${initiator} sends an election message round the ring, collecting live ids; the highest wins.`);
  await run.mark('ring');
  const started = await unaryCall(
    run.client(ElectionServiceClient, initiator),
    'startElection',
    { algorithm: ElectionAlgorithm.ELECTION_ALGORITHM_RING, wait: true },
    { deadlineMs: AGREEMENT_TIMEOUT_MS },
  );
  const agreed = await untilAgreed(run, run.peerIds);
  const events = await run.events();
  const ringMessages = events.filter((event) => event.algorithm === 'ring' && event.kind === 'send').length;
  run.say(
    `  term ${started.term}: ${views(agreed.seen)}; ${ringMessages} ring messages (2N = ${2 * run.peerIds.length} without faults)`,
  );
  const highest = Math.max(...run.peerIds);
  run.check(
    verdict(
      'every peer agrees on the highest id',
      agreed.leader === highest,
      `all follow peer-${agreed.leader} (highest: ${highest})`,
    ),
  );
}

/** The pid a peer registered (distlab up's peers register with the registry, pid in their metadata). */
async function pidOf(run: DemoRun, peerId: number): Promise<number | undefined> {
  const registry = createClient(RegistryServiceClient, run.addresses.balancer, run.context.clientSettings());
  try {
    const found = await unaryCall(registry, 'lookup', { name: `peer-${peerId}` });
    const pid = Number(found.registrations[0]?.metadata['pid']);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  } finally {
    registry.close();
  }
}
