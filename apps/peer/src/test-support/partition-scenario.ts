import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualNetwork, WORKSPACE_ROOT, type SpawnedProcess } from '@distlab/testing';
import { NetworkProbe } from './netns-probe';

// The system as on seven machines: the registry (the balancer), a factorial worker and five peers, each on a host of
// its own (a network namespace with its own address on one bridge), and a probe host from which the test makes its
// calls. Then the leader's host is cut off at the kernel and, later, put back: how long until the rest agree on a new
// leader, and after the heal, how long until all follow the highest id again and a lock through every peer is granted.

const PEERS = [1, 2, 3, 4, 5];
const PEER_PORT = 50061;
const REGISTRY_PORT = 50051;
const POLL_MS = 25;

export interface PartitionFigures {
  /** From the cut to peers 1–4 all naming 4. */
  failoverMs: number;
  /** From the heal to all five naming 5. */
  healAgreedMs: number;
  /** From the heal to a lock granted and released through every peer, one after another. */
  healLockedMs: number;
}

export interface PartitionScenario {
  /** Cuts the leader off and heals it; `boundMs` bounds each wait (a failure names what was seen). */
  run(boundMs: number): Promise<PartitionFigures>;
  stop(): Promise<void>;
}

export async function startPartitionScenario(): Promise<PartitionScenario> {
  const network = VirtualNetwork.create({
    hosts: ['registry', 'worker', 'probe', ...PEERS.map((id) => `peer${id}`)],
  });
  const processes: SpawnedProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'distlab-netns-'));
  let probe: NetworkProbe | undefined;
  const stop = async () => {
    await probe?.stop();
    await Promise.all(processes.map((process) => process.stop()));
    network.remove();
    // DISTLAB_KEEP_LOGS keeps the peers' event logs, to draw the run (distlab trace --events-dir DIR).
    if (process.env['DISTLAB_KEEP_LOGS']) console.log(`event logs kept in ${join(dataDir, 'events')}`);
    else rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const registry = `${network.host('registry').address}:${REGISTRY_PORT}`;
    const start = (host: string, app: string, args: string[]) => {
      const spawned = network.spawnTypeScript(host, join(WORKSPACE_ROOT, 'apps', app, 'src', 'main.ts'), [
        '--host',
        network.host(host).address,
        ...args,
      ]);
      processes.push(spawned);
      return spawned.waitForLine((line) => line.includes('"msg":"serving"'), 60_000);
    };
    await start('registry', 'balancer', ['--port', String(REGISTRY_PORT)]);
    await Promise.all([
      start('worker', 'factorial-worker', ['--port', '50053', '--registry', registry]),
      ...PEERS.map((id) =>
        start(`peer${id}`, 'peer', [
          ...['--id', String(id), '--port', String(PEER_PORT), '--registry', registry],
          ...['--events-dir', join(dataDir, 'events'), '--state-dir', join(dataDir, 'state')],
        ]),
      ),
    ]);
    probe = await NetworkProbe.start(network, 'probe');
  } catch (error) {
    await stop();
    throw error;
  }
  const address = (id: number) => `${network.host(`peer${id}`).address}:${PEER_PORT}`;

  /** Polls until every peer of `ids` names `leader`; the time it took, or an error naming what they named. */
  const untilAgreed = async (ids: number[], leader: number, boundMs: number): Promise<number> => {
    const startedAt = performance.now();
    let seen: string[] = [];
    while (performance.now() - startedAt < boundMs) {
      const answers = await Promise.all(ids.map((id) => probe!.leader(address(id), 500)));
      seen = answers.map((answer) => (answer.ok ? String(answer.result.leaderId) : `error ${answer.code}`));
      if (seen.every((named) => named === String(leader))) return performance.now() - startedAt;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`peers ${ids.join(',')} named ${seen.join(',')}, not all ${leader}, within ${boundMs} ms`);
  };

  /** Locks through each peer in turn, each retried until granted; the time from `sinceMs` to the last grant. */
  const lockEverywhere = async (sinceMs: number, boundMs: number): Promise<number> => {
    for (const id of PEERS) {
      for (;;) {
        const answer = await probe!.lock(address(id), 2_000);
        if (answer.ok) break;
        if (performance.now() - sinceMs > boundMs)
          throw new Error(`no lock through peer ${id} within ${boundMs} ms: ${answer.code} ${answer.details}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
    return performance.now() - sinceMs;
  };

  return {
    stop,
    run: async (boundMs) => {
      await untilAgreed(PEERS, 5, 60_000); // Started: all follow the highest id.
      await lockEverywhere(performance.now(), 60_000); // Every link is up and used.
      network.cut('peer5');
      const failoverMs = await untilAgreed([1, 2, 3, 4], 4, boundMs);
      // Stay cut long enough for every connection to peer 5 to stall and every attempt to reach it to hang.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      network.restore('peer5');
      const healedAt = performance.now();
      if (process.env['DISTLAB_KEEP_LOGS']) console.log(`healed at ${new Date().toISOString()}`);
      const healAgreedMs = await untilAgreed(PEERS, 5, boundMs);
      const healLockedMs = await lockEverywhere(healedAt, boundMs);
      return { failoverMs, healAgreedMs, healLockedMs };
    },
  };
}
