// Five real peer processes (apps/peer) for the lock and rest rows: started in a temporary directory of their own, on
// free loopback ports, with clients for the leader view, and stopped and removed in `close`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@grpc/grpc-js';
import { ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { createClient, unaryCall, type ClientConstructor } from '@distlab/grpc-kit';
import { PeerCluster } from '@distlab/testing';

/** How many peers the cluster rows run: the lab's five. */
export const PEER_COUNT = 5;

/** A started five-peer cluster, its clients, and what tears both down. */
export class PeerClusterRun {
  private readonly clients = new Map<string, Client>();

  private constructor(
    readonly cluster: PeerCluster,
    private readonly dir: string,
  ) {}

  /** Starts the peers and waits until all of them follow the highest id (the steady state every row measures). */
  static async start(): Promise<PeerClusterRun> {
    const dir = mkdtempSync(join(tmpdir(), 'distlab-anchor-peers-'));
    let cluster: PeerCluster;
    try {
      cluster = await PeerCluster.start({ size: PEER_COUNT, dir });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const run = new PeerClusterRun(cluster, dir);
    try {
      await run.untilAgreed(cluster.ids, PEER_COUNT, 20_000);
    } catch (error) {
      await run.close();
      throw error;
    }
    return run;
  }

  /** A client of peer `id`'s service, made on first use; reconnects within a second to a restarted peer. */
  of<C extends Client>(Constructor: ClientConstructor<C>, id: number): C {
    const key = `${Constructor.serviceName}/${id}`;
    const known = this.clients.get(key);
    if (known !== undefined) return known as C;
    const client = createClient(Constructor, this.addressOf(id), {
      maxAttempts: 1,
      deadlineMs: 30_000,
      channelOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1_000 },
    });
    this.clients.set(key, client);
    return client;
  }

  /** A client of its own (a connection of its own), closed with the run: for load loops, as separate users. */
  own<C extends Client>(Constructor: ClientConstructor<C>, id: number): C {
    const client = createClient(Constructor, this.addressOf(id), { maxAttempts: 1, deadlineMs: 30_000 });
    this.clients.set(`own/${this.clients.size}`, client);
    return client;
  }

  addressOf(id: number): string {
    const address = this.cluster.addresses.get(id);
    if (address === undefined) throw new Error(`no peer ${id} in the cluster`);
    return address;
  }

  /** Polls every `pollMs` until every listed peer names `leader` with no election running; fails after `timeoutMs`. */
  async untilAgreed(ids: readonly number[], leader: number, timeoutMs: number, pollMs = 5): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let seen: number[] = [];
    while (performance.now() < deadline) {
      seen = await Promise.all(
        ids.map(async (id) => {
          try {
            const view = await unaryCall(this.of(ElectionServiceClient, id), 'getLeader', {}, { deadlineMs: 1_000 });
            return view.electionInProgress ? 0 : view.leaderId;
          } catch {
            return -1; // Not answering yet (restarting): not agreed.
          }
        }),
      );
      if (seen.every((named) => named === leader)) return;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    throw new Error(`peers ${ids.join(',')} name leaders ${seen.join(',')}, not all ${leader}, after ${timeoutMs} ms`);
  }

  /** Stops the peers, closes every client and removes the temporary directory. */
  async close(): Promise<void> {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
    try {
      await this.cluster.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
