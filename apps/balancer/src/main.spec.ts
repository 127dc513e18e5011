import { join } from 'node:path';
import { createHealthClient, listHealth } from '@distlab/grpc-kit';
import { bufCurl, startServerProcess, WORKSPACE_ROOT } from '@distlab/testing';

// The balancer process starts, answers health SERVING for the registry with reflection on, and exits 0 on SIGTERM.
it('serves the registry with health and reflection, and stops cleanly on SIGTERM', async () => {
  const server = await startServerProcess(join(WORKSPACE_ROOT, 'apps', 'balancer', 'src', 'main.ts'));
  const health = createHealthClient(server.address);
  try {
    expect(await listHealth(health)).toEqual({
      '': 'SERVING',
      'distlab.balancer.v1.BalancerService': 'SERVING',
      'distlab.registry.v1.RegistryService': 'SERVING',
    });
    const listed = await bufCurl(['-d', '{}', `http://${server.address}/distlab.registry.v1.RegistryService/List`]);
    expect(JSON.parse(listed.stdout)).toEqual({});
  } finally {
    health.close();
    server.process.child.kill('SIGTERM');
  }
  expect(await server.process.exited()).toBe(0);
});
