import { join } from 'node:path';
import { GreeterServiceClient } from '@distlab/contracts/greeter/v1/greeter';
import { freePort, spawnTypeScript, type SpawnedProcess } from '@distlab/testing';
import { checkHealth, createClient, createHealthClient, unaryCall, type HealthClient } from './index';

// Proves the graceful-shutdown contract of every distlab server process, on a real process and real sockets:
// SIGTERM while a call runs turns health NOT_SERVING, lets the call finish with its answer, and exits 0.

const FIXTURE = join(__dirname, 'test-support', 'slow-server-process.ts');
let processUnderTest: SpawnedProcess | undefined;

afterEach(async () => {
  await processUnderTest?.stop();
});

async function startFixture(...args: string[]): Promise<{ address: string }> {
  processUnderTest = spawnTypeScript(FIXTURE, ['--port', '0', ...args]);
  const line = await processUnderTest.waitForLine((candidate) => candidate.includes('"listening"'));
  return { address: `127.0.0.1:${JSON.parse(line).listening as number}` };
}

function watchStatuses(health: HealthClient): string[] {
  const statuses: string[] = [];
  const watch = health.watch({ service: '' });
  watch.on('data', (response: { status: string }) => statuses.push(response.status));
  watch.on('error', () => undefined);
  return statuses;
}

describe('a server process', () => {
  it('on SIGTERM during a call: health turns NOT_SERVING, the call completes, the process exits 0', async () => {
    const { address } = await startFixture();
    const greeter = createClient(GreeterServiceClient, address, { deadlineMs: 10_000 });
    const health = createHealthClient(address);
    try {
      const statuses = watchStatuses(health);
      await unaryCall(greeter, 'sayHello', { name: 'warm-up' });
      const call = unaryCall(greeter, 'sayHello', { name: 'slow:1500' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      processUnderTest!.child.kill('SIGTERM');
      await expect(call).resolves.toMatchObject({ message: 'Hello, slow:1500!' });
      expect(await processUnderTest!.exited()).toBe(0);
      expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
      const log = processUnderTest!.lines.join('\n');
      expect(log).toContain('"msg":"shutting down: health NOT_SERVING, draining calls"');
      expect(log).toContain('"outcome":"drained"');
    } finally {
      greeter.close();
      health.close();
    }
  });

  it('exits 0 within the grace period even when a call would run longer', async () => {
    const { address } = await startFixture('--shutdown-grace-ms', '300');
    const greeter = createClient(GreeterServiceClient, address, { deadlineMs: 20_000 });
    try {
      const outcome = unaryCall(greeter, 'sayHello', { name: 'slow:15000' }).then(
        () => 'answered',
        (error: { code: number }) => error.code,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const signalledAt = Date.now();
      processUnderTest!.child.kill('SIGTERM');
      expect(await processUnderTest!.exited()).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      expect(await outcome).not.toBe('answered');
    } finally {
      greeter.close();
    }
  });

  it('rejects a bad flag with exit code 2 and a message naming it', async () => {
    processUnderTest = spawnTypeScript(FIXTURE, ['--port', 'seventy']);
    expect(await processUnderTest.exited()).toBe(2);
    expect(processUnderTest.stderr).toContain('--port must be an integer from 0 to 65535');
  });

  it('listens where --listen host:port says, and refuses one that is not an address', async () => {
    const port = await freePort();
    processUnderTest = spawnTypeScript(FIXTURE, ['--listen', `127.0.0.1:${port}`]);
    const line = await processUnderTest.waitForLine((candidate) => candidate.includes('"listening"'));
    expect(JSON.parse(line).listening).toBe(port);
    const health = createHealthClient(`127.0.0.1:${port}`, { maxAttempts: 1 });
    await expect(checkHealth(health)).resolves.toBe('SERVING');
    health.close();
    await processUnderTest.stop();

    processUnderTest = spawnTypeScript(FIXTURE, ['--listen', 'localhost']);
    expect(await processUnderTest.exited()).toBe(2);
    expect(processUnderTest.stderr).toContain('--listen must be host:port (or [ipv6]:port)');
  });

  it('lists its options and their environment variables in --help', async () => {
    processUnderTest = spawnTypeScript(FIXTURE, ['--help']);
    expect(await processUnderTest.exited()).toBe(0);
    const help = processUnderTest.lines.join('\n');
    expect(help).toContain('--token <secret>');
    expect(help).toContain('env: DISTLAB_TOKEN');
    expect(help).toContain('--shutdown-grace-ms <ms>');
  });
});
