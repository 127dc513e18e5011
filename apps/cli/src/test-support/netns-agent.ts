import { ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { FactorialServiceClient } from '@distlab/contracts/factorial/v1/factorial';
import { InventoryServiceClient } from '@distlab/contracts/inventory/v1/inventory';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { createClient, msToDuration, unaryCall, type ClientSettings } from '@distlab/grpc-kit';
import { serveProbeRequests } from '@distlab/testing';

// The deployment tests' agent for libs/testing's AgentProbe: run on one host of a virtual network, it makes the calls a
// test asks for there (serveProbeRequests does the stdin/stdout plumbing), so that the test process, which stays in this
// machine's own namespace, needs no address on the test network and resolves no name of it (this process resolves
// them through its host's /etc/hosts, as a pod would). One client per call, closed after it, with a deadline.

export type AgentRequest =
  | { op: 'registrations'; address: string }
  | { op: 'leader'; address: string }
  | { op: 'lock'; address: string }
  | { op: 'factorial'; address: string; n: number }
  | { op: 'add-item'; address: string; name: string; quantity: number }
  | { op: 'get-item'; address: string; itemId: string };

async function withClient<C extends { close(): void }, T>(client: C, use: (client: C) => Promise<T>): Promise<T> {
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

async function perform(request: AgentRequest, deadlineMs: number): Promise<unknown> {
  const settings: ClientSettings = { deadlineMs, maxAttempts: 1 };
  const options = { deadlineMs };
  switch (request.op) {
    case 'registrations':
      return withClient(createClient(RegistryServiceClient, request.address, settings), async (client) =>
        (await unaryCall(client, 'list', { namePrefix: '' }, options)).registrations.map((entry) => ({
          name: entry.name,
          address: entry.address,
        })),
      );
    case 'leader':
      return withClient(createClient(ElectionServiceClient, request.address, settings), async (client) => {
        const view = await unaryCall(client, 'getLeader', {}, options);
        return { leaderId: view.electionInProgress ? 0 : view.leaderId };
      });
    case 'lock':
      return withClient(createClient(MutexServiceClient, request.address, settings), async (client) => {
        const grant = await unaryCall(
          client,
          'acquire',
          { lease: msToDuration(10_000), clientName: 'netns-agent' },
          options,
        );
        await unaryCall(client, 'release', { fencingToken: grant.fencingToken }, options);
        return { fencingToken: Number(grant.fencingToken) };
      });
    case 'factorial':
      return withClient(createClient(FactorialServiceClient, request.address, settings), async (client) => {
        const answer = await unaryCall(client, 'compute', { n: String(request.n) }, options);
        return { value: answer.value, workerId: answer.workerId };
      });
    case 'add-item':
      return withClient(createClient(InventoryServiceClient, request.address, settings), async (client) => {
        const added = await unaryCall(
          client,
          'addItem',
          { name: request.name, quantity: String(request.quantity), requestId: '' },
          options,
        );
        return { id: added.item!.id };
      });
    case 'get-item':
      return withClient(createClient(InventoryServiceClient, request.address, settings), async (client) => {
        const { item } = await unaryCall(client, 'getItem', { id: request.itemId }, options);
        return { name: item?.name, quantity: Number(item?.quantity) };
      });
  }
}

serveProbeRequests(perform);
