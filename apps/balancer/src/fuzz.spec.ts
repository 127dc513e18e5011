import { BackendHealth, BalancerServiceClient } from '@distlab/contracts/balancer/v1/balancer';
import { RegistryServiceClient } from '@distlab/contracts/registry/v1/registry';
import { checkHealth, createClient, createHealthClient, unaryCall } from '@distlab/grpc-kit';
import {
  formatFuzzReports,
  fuzzInChildProcess,
  fuzzRequestCount,
  fuzzTimeoutMs,
  startQuietServerProcess,
  stopProcesses,
} from '@distlab/testing';

// Hostile input for the balancer on real processes: its own services (the registry, the balancer's admin service)
// and, through its generic proxy, a factorial worker registered with it. Thousands of requests each, built from the
// descriptors, every one answered with a status some contract allows; both processes still serve afterwards.

const SERVICES = [
  'distlab.registry.v1.RegistryService',
  'distlab.balancer.v1.BalancerService',
  'distlab.factorial.v1.FactorialService',
];
/** Requests per service: 1,500 in `npm test`; FUZZ_REQUESTS=10000 for a soak (npm run fuzz:soak). */
const SPEC_REQUESTS = 1_500;
const REQUESTS = fuzzRequestCount(SPEC_REQUESTS);

describe('the balancer under hostile input', () => {
  it(
    'answers every request sensibly, its own and proxied ones, and keeps serving',
    async () => {
      const balancer = await startQuietServerProcess('balancer', ['--log-level', 'error']);
      const worker = await startQuietServerProcess('factorial-worker', [
        ...['--registry', balancer.address, '--log-level', 'error'],
      ]);
      try {
        // The proxy forwards FactorialService once the worker is registered and its health says SERVING. The balancer's
        // own services are fuzzed first. That hostile registry traffic must not cost the worker its lease (it once did:
        // the registry echoed 100,000-character lease ids into status messages, which stalled the connection the
        // worker's renewals share; see registry-fairness.spec.ts), so the worker holds the same lease after it. Its
        // health is waited for again before the proxied phase: a health watch on a very busy machine may flap.
        const admin = createClient(BalancerServiceClient, balancer.address);
        const registry = createClient(RegistryServiceClient, balancer.address);
        const workerLeases = async () =>
          (await unaryCall(registry, 'lookup', { name: SERVICES[2] })).registrations.map((entry) => entry.leaseId);
        const untilServing = async () => {
          const serving = async () => {
            const stats = await unaryCall(admin, 'getStats', { serviceName: 'distlab.factorial.v1.FactorialService' });
            return stats.backends.some((backend) => backend.health === BackendHealth.BACKEND_HEALTH_SERVING);
          };
          for (let waited = 0; waited < 300 && !(await serving()); waited += 1) {
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        };
        const settings = { requests: REQUESTS, seed: 21, deadlineMs: 1_000 };
        let reports;
        try {
          await untilServing();
          const leasesBefore = await workerLeases();
          const own = await fuzzInChildProcess(balancer.address, SERVICES.slice(0, 2), settings);
          expect(await workerLeases()).toEqual(leasesBefore);
          await untilServing();
          reports = [...own, ...(await fuzzInChildProcess(balancer.address, SERVICES.slice(2), settings))];
        } finally {
          admin.close();
          registry.close();
        }
        console.log(formatFuzzReports('fuzzed the balancer', reports));
        for (const report of reports) {
          expect({ service: report.service, unexpected: report.unexpected }).toEqual({
            service: report.service,
            unexpected: [],
          });
          expect(report.sent).toBeGreaterThanOrEqual(REQUESTS);
        }
        // The proxied calls reached the worker: some were computed.
        // (On failure, the first message of each status says why nothing got through.)
        expect({ computed: (reports[2].statuses['OK'] ?? 0) > 0, why: reports[2].firstDetails }).toEqual({
          computed: true,
          why: expect.anything(),
        });
        for (const address of [balancer.address, worker.address]) {
          const health = createHealthClient(address);
          expect(await checkHealth(health)).toBe('SERVING');
          health.close();
        }
      } finally {
        await stopProcesses([worker.child, balancer.child]);
      }
    },
    fuzzTimeoutMs(240_000, SPEC_REQUESTS),
  );
});
