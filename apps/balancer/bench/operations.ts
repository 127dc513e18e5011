// Operations the balancer benchmark's load threads run: "compute:<n>:<host:port>" calls FactorialService.Compute(n).
import { FactorialServiceClient } from '@distlab/contracts/factorial/v1/factorial';
import { createClient, unaryCall } from '@distlab/grpc-kit';

export function createOperation(target: string): () => Promise<void> {
  const [, n, ...address] = target.split(':');
  // Own connection, no client retries: the benchmark measures the servers, not grpc-js's retry machinery.
  const client = createClient(FactorialServiceClient, address.join(':'), {
    maxAttempts: 1,
    deadlineMs: 60_000,
    channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
  });
  return async () => {
    await unaryCall(client, 'compute', { n });
  };
}
