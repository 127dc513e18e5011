import { join } from 'node:path';
import { createHealthClient, listHealth } from '@distlab/grpc-kit';
import { bufCurl, startServerProcess, WORKSPACE_ROOT } from '@distlab/testing';

// The factorial-worker process starts, serves FactorialService with health and reflection, answers through
// reflection alone, and exits 0 on SIGTERM.
it('serves FactorialService with health and reflection, and stops cleanly on SIGTERM', async () => {
  const server = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'factorial-worker', 'src', 'main.ts'));
  const health = createHealthClient(server.address);
  try {
    expect(await listHealth(health)).toEqual({ '': 'SERVING', 'distlab.factorial.v1.FactorialService': 'SERVING' });
    const answer = await bufCurl([
      '-d',
      '{"n":"12"}',
      `http://${server.address}/distlab.factorial.v1.FactorialService/Compute`,
    ]);
    expect(JSON.parse(answer.stdout)).toMatchObject({ value: '479001600', digitCount: '9' });
  } finally {
    health.close();
    server.process.child.kill('SIGTERM');
  }
  expect(await server.process.exited()).toBe(0);
});
