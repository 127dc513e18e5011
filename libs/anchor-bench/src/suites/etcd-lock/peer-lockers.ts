// The three lock paths measured against etcd's, each one lock+unlock at a time: the peers' unary Acquire and Release,
// the peers' LockSession (libs/service-clients, one stream), and the bare floor (Ricart–Agrawala on bare grpc-js
// streams, libs/testing), through peer 1 of each cluster.

import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { msToDuration, unaryCall } from '@distlab/grpc-kit';
import { LockSession } from '@distlab/service-clients';
import type { BareRicartAgrawala } from '@distlab/testing';
import type { PeerClusterRun } from '../peers/peer-cluster-run';

/** One lock+unlock, and how to let go of what it holds open. */
export interface Locker {
  cycle(): Promise<void>;
  close(): void;
}

/** The lease each peer lock is taken with: long enough never to run out within a cycle. */
const LEASE_MS = 10_000;

/** Unary Acquire then Release through peer `id`, on a connection of its own. */
export function unaryLocker(run: PeerClusterRun, id: number, name: string): Locker {
  const mutex = run.own(MutexServiceClient, id);
  return {
    async cycle() {
      const grant = await unaryCall(mutex, 'acquire', { lease: msToDuration(LEASE_MS), clientName: name });
      await unaryCall(mutex, 'release', { fencingToken: grant.fencingToken });
    },
    close: () => mutex.close(),
  };
}

/** Acquire then release on a LockSession through peer `id`, on a connection of its own. */
export function sessionLocker(run: PeerClusterRun, id: number, name: string): Locker {
  const mutex = run.own(MutexServiceClient, id);
  const session = new LockSession(mutex);
  return {
    async cycle() {
      const grant = await session.acquire({ leaseMs: LEASE_MS, clientName: name });
      await session.release(grant.fencingToken);
    },
    close: () => {
      session.close();
      mutex.close();
    },
  };
}

/** The bare floor's client of process `index + 1`. */
export function bareLocker(bare: BareRicartAgrawala, index: number): Locker {
  const client = bare.lockClient(index);
  return { cycle: () => client.cycle(), close: () => undefined };
}

/** Each cycle's latency in milliseconds: `warmUpCycles` first, unmeasured, then cycles until `forMs` has passed. */
export async function cycleLatencies(
  locker: Locker,
  options: { warmUpCycles: number; forMs: number; maxCycles: number },
): Promise<number[]> {
  for (let cycle = 0; cycle < options.warmUpCycles; cycle += 1) await locker.cycle();
  const latencies: number[] = [];
  const stopAt = performance.now() + options.forMs;
  while (performance.now() < stopAt && latencies.length < options.maxCycles) {
    const started = performance.now();
    await locker.cycle();
    latencies.push(performance.now() - started);
  }
  return latencies;
}

/** Entries per second with every locker taking the same lock as fast as it can for `forMs`. */
export async function contendedRate(lockers: readonly Locker[], forMs: number): Promise<number> {
  let entries = 0;
  const started = performance.now();
  const stopAt = started + forMs;
  await Promise.all(
    lockers.map(async (locker) => {
      while (performance.now() < stopAt) {
        await locker.cycle();
        entries += 1;
      }
    }),
  );
  return entries / ((performance.now() - started) / 1000);
}
