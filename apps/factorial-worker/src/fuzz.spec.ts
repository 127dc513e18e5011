import { checkHealth, createHealthClient } from '@distlab/grpc-kit';
import {
  formatFuzzReports,
  fuzzInChildProcess,
  fuzzRequestCount,
  fuzzTimeoutMs,
  startQuietServerProcess,
  stopProcesses,
} from '@distlab/testing';

// Hostile input for a factorial worker on a real process: thousands of requests built from the descriptors, unary
// and streaming, every one answered with a status some contract allows, and the worker still serving afterwards.

const SERVICE = 'distlab.factorial.v1.FactorialService';
/** Requests: 2,000 in `npm test`; FUZZ_REQUESTS=10000 for a soak (npm run fuzz:soak). */
const SPEC_REQUESTS = 2_000;
const REQUESTS = fuzzRequestCount(SPEC_REQUESTS);

describe('a factorial worker under hostile input', () => {
  it(
    'answers every request sensibly and keeps serving',
    async () => {
      const worker = await startQuietServerProcess('factorial-worker', ['--log-level', 'error']);
      try {
        const [report] = await fuzzInChildProcess(worker.address, [SERVICE], {
          requests: REQUESTS,
          seed: 11,
          deadlineMs: 1_000,
        });
        console.log(formatFuzzReports('fuzzed the factorial worker', [report]));
        expect(report.unexpected).toEqual([]);
        expect(report.sent).toBeGreaterThanOrEqual(REQUESTS);
        const health = createHealthClient(worker.address);
        expect(await checkHealth(health)).toBe('SERVING');
        health.close();
      } finally {
        await stopProcesses([worker.child]);
      }
    },
    fuzzTimeoutMs(180_000, SPEC_REQUESTS),
  );
});
