import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { createClient, msToDuration, silentLogger, unaryCall } from '@distlab/grpc-kit';
import { startBalancer, type RunningBalancer } from '../balancer-server';
import { CLIENT_ADDRESS_HEADER } from './client-address';
import type { RegistryChange } from './lease-table';

// One client's hostile registry calls cannot starve another client's lease renewals. A well-behaved worker renews
// its lease back to back, one call always in flight, while a hostile client (a connection of its own) sends lease ids
// of 100,000 characters, the size the fuzzer sends, and registers distinct endpoints until it is refused. Every hostile
// call gets a definite client-error status with a short message, every renewal of the worker succeeds, and the
// registry's own view never lets the worker's lease lapse.
//
// Why this could fail: all calls to the registry cross the balancer's proxy on one shared HTTP/2 connection. A status
// message quoting a 100,000-character lease id made a 100 KB trailer block, which stalls that connection (a grpc-js
// client and server directly connected stall on it as well) until the proxy's keepalive gives up on it after a second
// and destroys it, failing every call of every client in flight on it, among them the worker's renewals.

const WORKER_NAME = 'distlab.factorial.v1.FactorialService';
const HUGE_LEASE_ID = 'z'.repeat(100_000);
const HOSTILE_LEASE_CALLS = 6;
/** Registrations the hostile client may hold in this test: low, so that it reaches the limit quickly. */
const REGISTRATIONS_PER_CLIENT_MAX = 20;
/** Bounds, generous, on how long the whole exchange may take: not a claim about speed. */
const SCENARIO_TIMEOUT_MS = 60_000;

let balancer: RunningBalancer;

beforeEach(async () => {
  balancer = await startBalancer({
    server: { host: '127.0.0.1', port: 0 },
    logger: silentLogger(),
    registry: { registrationsPerClientMax: REGISTRATIONS_PER_CLIENT_MAX },
  });
});

afterEach(async () => {
  await balancer.shutdown(0);
});

/** The status a call ended with: 'OK' or the code's name, with the message. */
async function outcome(call: Promise<unknown>): Promise<{ code: string; details: string }> {
  return call.then(
    () => ({ code: 'OK', details: '' }),
    (error: ServiceError) => ({ code: status[error.code] ?? String(error.code), details: error.details ?? '' }),
  );
}

type Outcome = Awaited<ReturnType<typeof outcome>>;

/**
 * Registers a worker, then runs `hostileCalls` from a client on a connection of its own while the worker renews its
 * lease back to back (a renewal always in flight) until they are done. Checks that every renewal succeeded and that
 * in the registry's own view the worker's lease was never lost (not expired, replaced or removed), and that it is
 * still there; returns the hostile calls' outcomes.
 */
async function whileWorkerRenews(
  hostileCalls: (hostile: RegistryServiceClient) => Promise<Outcome[]>,
): Promise<Outcome[]> {
  const changes: RegistryChange[] = [];
  balancer.leases.onChange((change) => changes.push(change));
  const worker = createClient(RegistryServiceClient, balancer.address, { deadlineMs: 10_000, maxAttempts: 1 });
  const hostile = createClient(RegistryServiceClient, balancer.address, {
    deadlineMs: 10_000,
    maxAttempts: 1,
    channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
  });
  try {
    const request = { name: WORKER_NAME, address: '127.0.0.1:7001', metadata: {}, ttl: msToDuration(10_000) };
    const leaseId = (await unaryCall(worker, 'register', request)).registration!.leaseId;
    let hostileDone = false;
    const renewals: Outcome[] = [];
    const renewing = (async () => {
      for (let beat = 0; !hostileDone && beat < 100_000; beat += 1) {
        renewals.push(await outcome(unaryCall(worker, 'keepAlive', { leaseId })));
      }
    })();
    let outcomes: Outcome[];
    try {
      outcomes = await hostileCalls(hostile);
    } finally {
      hostileDone = true;
      await renewing;
    }
    expect(renewals.length).toBeGreaterThan(0);
    expect(renewals.filter((entry) => entry.code !== 'OK')).toEqual([]);
    const workerChanges = changes.filter((change) => change.registration.leaseId === leaseId);
    expect(workerChanges.map((change) => change.kind)).toEqual(['registered']);
    const found = await unaryCall(worker, 'lookup', { name: WORKER_NAME });
    expect(found.registrations.map((entry) => entry.leaseId)).toEqual([leaseId]);
    for (const entry of outcomes) expect(Buffer.byteLength(entry.details)).toBeLessThan(512);
    return outcomes;
  } finally {
    worker.close();
    hostile.close();
  }
}

describe('a hostile registry client next to a well-behaved worker', () => {
  it(
    "gets INVALID_ARGUMENT for 100,000-character lease ids, while every renewal of the worker's lease succeeds",
    async () => {
      const outcomes = await whileWorkerRenews(async (hostile) => {
        const answers: Outcome[] = [];
        for (let call = 0; call < HOSTILE_LEASE_CALLS; call += 1) {
          const method = call % 2 === 0 ? 'keepAlive' : 'deregister';
          answers.push(await outcome(unaryCall(hostile, method, { leaseId: HUGE_LEASE_ID })));
        }
        return answers;
      });
      expect(outcomes.map((entry) => entry.code)).toEqual(Array(HOSTILE_LEASE_CALLS).fill('INVALID_ARGUMENT'));
      expect(outcomes[0].details).toBe(
        'lease_id must have at most 64 characters (got 100000): use the id Register returned',
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'is refused RESOURCE_EXHAUSTED past its limit of registrations, while the worker renews and re-registers',
    async () => {
      // The client claims another address in the header the proxy sets for the registry: the proxy overwrites it.
      const forged = new Metadata();
      forged.set(CLIENT_ADDRESS_HEADER, '10.9.9.9');
      const outcomes = await whileWorkerRenews(async (hostile) => {
        const answers: Outcome[] = [];
        for (let port = 1; port <= REGISTRATIONS_PER_CLIENT_MAX + 5; port += 1) {
          const request = { name: 'hostile', address: `127.0.0.1:${port}`, metadata: {}, ttl: msToDuration(3_600_000) };
          answers.push(await outcome(unaryCall(hostile, 'register', request, { metadata: forged })));
        }
        // Registering an endpoint it holds again replaces it: that is no new registration, and is not refused.
        const again = { name: 'hostile', address: '127.0.0.1:1', metadata: {}, ttl: msToDuration(3_600_000) };
        answers.push(await outcome(unaryCall(hostile, 'register', again)));
        return answers;
      });
      // The worker's own registration counts too: both clients reach the balancer from 127.0.0.1.
      const codes = outcomes.map((entry) => entry.code);
      expect(codes).toEqual([
        ...Array(REGISTRATIONS_PER_CLIENT_MAX - 1).fill('OK'),
        ...Array(6).fill('RESOURCE_EXHAUSTED'),
        'OK',
      ]);
      expect(outcomes[REGISTRATIONS_PER_CLIENT_MAX - 1].details).toBe(
        'this client (127.0.0.1) holds 20 live registrations, the most one client may hold: deregister some, or ' +
          'let their leases expire',
      );
      expect(balancer.leases.list('hostile', Date.now())).toHaveLength(REGISTRATIONS_PER_CLIENT_MAX - 1);
    },
    SCENARIO_TIMEOUT_MS,
  );
});
