import { ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { checkHealth, createClient, createHealthClient, msToDuration, unaryCall } from '@distlab/grpc-kit';
import { serveProbeRequests } from '@distlab/testing';

// The peers' agent for libs/testing's AgentProbe: run on one host of a virtual network, it makes the calls a test asks
// for there (serveProbeRequests does the stdin/stdout plumbing), so that the test process, which stays in this
// machine's own namespace, needs no address on the test network. Clients are made per address and kept (their connections are part
// of what a test observes), with a deadline per call.

export type PeerProbeRequest =
  { op: 'leader'; address: string } | { op: 'lock'; address: string } | { op: 'health'; address: string };

const elections = new Map<string, ElectionServiceClient>();
const mutexes = new Map<string, MutexServiceClient>();

function kept<C>(clients: Map<string, C>, address: string, make: () => C): C {
  let client = clients.get(address);
  if (client === undefined) clients.set(address, (client = make()));
  return client;
}

async function perform(request: PeerProbeRequest, deadlineMs: number): Promise<unknown> {
  const settings = { deadlineMs, maxAttempts: 1 };
  switch (request.op) {
    case 'leader': {
      const client = kept(elections, request.address, () =>
        createClient(ElectionServiceClient, request.address, settings),
      );
      const answer = await unaryCall(client, 'getLeader', {}, { deadlineMs });
      return { leaderId: answer.leaderId, term: Number(answer.term) };
    }
    case 'lock': {
      const client = kept(mutexes, request.address, () => createClient(MutexServiceClient, request.address, settings));
      const grant = await unaryCall(
        client,
        'acquire',
        { lease: msToDuration(10_000), clientName: 'netns-agent', waitTimeout: undefined },
        { deadlineMs },
      );
      await unaryCall(client, 'release', { fencingToken: grant.fencingToken }, { deadlineMs });
      return { fencingToken: Number(grant.fencingToken) };
    }
    case 'health': {
      const client = createHealthClient(request.address, settings);
      try {
        return { status: await checkHealth(client, '') };
      } finally {
        client.close();
      }
    }
  }
}

serveProbeRequests(perform);
