import { checkHealth, createHealthClient } from '@distlab/grpc-kit';
import { fuzzInChildProcess, startQuietServerProcess, stopProcesses, formatFuzzReports } from '@distlab/testing';

// Hostile input for a factorial worker on a real process: thousands of requests built from the descriptors, unary
// and streaming, every one answered with a status some contract allows, and the worker still serving afterwards.

const SERVICE = 'distlab.factorial.v1.FactorialService';

describe('a factorial worker under hostile input', () => {
  it('answers every request sensibly and keeps serving', async () => {
    const worker = await startQuietServerProcess('factorial-worker', ['--log-level', 'error']);
    try {
      const [report] = await fuzzInChildProcess(worker.address, [SERVICE], {
        requests: 2_000,
        seed: 11,
        deadlineMs: 1_000,
      });
      console.log(formatFuzzReports('fuzzed the factorial worker', [report]));
      expect(report.unexpected).toEqual([]);
      expect(report.sent).toBeGreaterThanOrEqual(2_000);
      const health = createHealthClient(worker.address);
      expect(await checkHealth(health)).toBe('SERVING');
      health.close();
    } finally {
      await stopProcesses([worker.child]);
    }
  }, 180_000);
});
