import { createInterface } from 'node:readline';
import { ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import {
  checkHealth,
  createClient,
  createHealthClient,
  isServiceError,
  msToDuration,
  unaryCall,
} from '@distlab/grpc-kit';

// A test's hands on a virtual network (netns.ts): run on one of its hosts, it makes the calls a test asks for on stdin
// (one JSON request a line) and answers each on stdout, so that the test process, which stays in this machine's own
// namespace, needs no address on the test network. Clients are made per address and kept (their connections are part
// of what a test observes), with a deadline per call.

type Request =
  | { id: number; op: 'leader'; address: string; deadlineMs: number }
  | { id: number; op: 'lock'; address: string; deadlineMs: number }
  | { id: number; op: 'health'; address: string; deadlineMs: number };

const elections = new Map<string, ElectionServiceClient>();
const mutexes = new Map<string, MutexServiceClient>();

function kept<C>(clients: Map<string, C>, address: string, make: () => C): C {
  let client = clients.get(address);
  if (client === undefined) clients.set(address, (client = make()));
  return client;
}

async function perform(request: Request): Promise<unknown> {
  const settings = { deadlineMs: request.deadlineMs, maxAttempts: 1 };
  switch (request.op) {
    case 'leader': {
      const client = kept(elections, request.address, () =>
        createClient(ElectionServiceClient, request.address, settings),
      );
      const answer = await unaryCall(client, 'getLeader', {}, { deadlineMs: request.deadlineMs });
      return { leaderId: answer.leaderId, term: Number(answer.term) };
    }
    case 'lock': {
      const client = kept(mutexes, request.address, () => createClient(MutexServiceClient, request.address, settings));
      const grant = await unaryCall(
        client,
        'acquire',
        { lease: msToDuration(10_000), clientName: 'netns-agent', waitTimeout: undefined },
        { deadlineMs: request.deadlineMs },
      );
      await unaryCall(client, 'release', { fencingToken: grant.fencingToken }, { deadlineMs: request.deadlineMs });
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

createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line) as Request;
  perform(request).then(
    (result) => process.stdout.write(`${JSON.stringify({ id: request.id, ok: true, result })}\n`),
    (error: unknown) =>
      process.stdout.write(
        `${JSON.stringify({
          id: request.id,
          ok: false,
          code: isServiceError(error) ? error.code : -1,
          details: isServiceError(error) ? error.details : String(error),
        })}\n`,
      ),
  );
});
process.stdin.on('end', () => process.exit(0));
process.stdout.write('{"ready":true}\n');
