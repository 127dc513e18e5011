import type { Client } from '@grpc/grpc-js';
import { ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { createClient, unaryCall, type ClientConstructor } from '@distlab/grpc-kit';
import type { PeerCluster } from '@distlab/testing';

/**
 * Clients of a PeerCluster's peers for tests and benchmarks: one per service and peer, made on first use and closed
 * together, reconnecting within a second to a peer that was killed and restarted. No retries and a long deadline: a
 * test decides itself what a failed call means.
 */
export class ClusterClients {
  private readonly clients = new Map<string, Client>();

  constructor(private readonly cluster: PeerCluster) {}

  of<C extends Client>(Constructor: ClientConstructor<C>, id: number): C {
    const key = `${Constructor.serviceName}/${id}`;
    let client = this.clients.get(key) as C | undefined;
    if (client === undefined) {
      client = createClient(Constructor, this.cluster.addresses.get(id)!, {
        maxAttempts: 1,
        deadlineMs: 30_000,
        channelOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1_000 },
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** The leader each peer names; 0 while it knows none or an election runs. */
  leaders(ids: readonly number[]): Promise<number[]> {
    return Promise.all(
      ids.map(async (id) => {
        const view = await unaryCall(this.of(ElectionServiceClient, id), 'getLeader', {});
        return view.electionInProgress ? 0 : view.leaderId;
      }),
    );
  }

  /** Polls every `pollMs` until every listed peer names `leader`; fails after `timeoutMs`, saying what they named. */
  async untilAgreed(ids: readonly number[], leader: number, timeoutMs = 15_000, pollMs = 20): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let seen: number[] = [];
    while (performance.now() < deadline) {
      seen = await this.leaders(ids);
      if (seen.every((named) => named === leader)) return;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    throw new Error(`peers ${ids.join(',')} name leaders ${seen.join(',')}, not all ${leader}`);
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
