import { ChaosServiceClient } from '@distlab/contracts/chaos/v1/chaos';
import { checkHealth, createClient, createHealthClient, unaryCall } from '@distlab/grpc-kit';
import {
  formatFuzzReports,
  fuzzInChildProcess,
  fuzzRequestCount,
  fuzzTimeoutMs,
  PeerCluster,
  type FuzzReport,
} from '@distlab/testing';

// Hostile input for every service of a peer, on real processes: thousands of requests per service built from the
// descriptors (boundary and enormous values, unknown enum values, invalid UTF-8, missing and repeated fields, wrong
// wire types, truncated messages, bytes that are not protobuf, and one message over the size limit per method). Every
// call must end with a status some contract allows, and every peer must still answer health afterwards. The chaos
// service goes last (a fuzzed Pause may freeze the peer; Heal ends it).

const SERVICES = [
  'distlab.greeter.v1.GreeterService',
  'distlab.chat.v1.ChatService',
  'distlab.clock.v1.ClockService',
  'distlab.clock.v1.TimeService',
  'distlab.mutex.v1.MutexService',
  'distlab.election.v1.ElectionService',
  'distlab.cluster.v1.ClusterService',
  'distlab.chaos.v1.ChaosService',
];
/** The spec's own count keeps npm test fast; FUZZ_REQUESTS=10000 (npm run fuzz:soak) makes it a soak. */
const SPEC_REQUESTS = 1_200;
const REQUESTS_PER_SERVICE = fuzzRequestCount(SPEC_REQUESTS);

let cluster: PeerCluster;
const reports: FuzzReport[] = [];

beforeAll(async () => {
  // At --log-level error: a warning per refused call would be most of the run's cost.
  cluster = await PeerCluster.start({ size: 3, argsFor: () => ['--log-level', 'error'] });
}, 60_000);

afterAll(async () => {
  console.log(formatFuzzReports('fuzzed peer-1', reports));
  await cluster?.stop();
});

describe('a peer under hostile input', () => {
  it(
    'answers every hostile request to every service with a sensible status',
    async () => {
      reports.push(
        ...(await fuzzInChildProcess(cluster.addresses.get(1)!, SERVICES, {
          requests: REQUESTS_PER_SERVICE,
          seed: 1000,
          deadlineMs: 250,
        })),
      );
      expect(reports.map((report) => report.service)).toEqual(SERVICES);
      for (const report of reports) {
        expect({ service: report.service, unexpected: report.unexpected }).toEqual({
          service: report.service,
          unexpected: [],
        });
        expect(report.sent).toBeGreaterThanOrEqual(REQUESTS_PER_SERVICE);
      }
    },
    fuzzTimeoutMs(300_000, SPEC_REQUESTS),
  );

  it('is still serving afterwards, every peer of the cluster', async () => {
    const chaos = createClient(ChaosServiceClient, cluster.addresses.get(1)!);
    await unaryCall(chaos, 'heal', {});
    chaos.close();
    for (const address of cluster.addresses.values()) {
      const health = createHealthClient(address, { deadlineMs: 2_000 });
      expect(await checkHealth(health)).toBe('SERVING');
      health.close();
    }
  });
});
