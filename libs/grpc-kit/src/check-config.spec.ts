import { join } from 'node:path';
import { spawnTypeScript, type SpawnedProcess } from '@distlab/testing';

// --check-config parses a server's flags and environment exactly as a start would, prints the result and exits
// without serving: what deployment files (compose, Kubernetes) are checked with.

const FIXTURE = join(__dirname, 'test-support', 'slow-server-process.ts');
let run: SpawnedProcess | undefined;

afterEach(async () => {
  await run?.stop();
});

describe('--check-config', () => {
  it('prints the configuration from flags and environment, hiding the token, and exits 0 without serving', async () => {
    run = spawnTypeScript(FIXTURE, ['--check-config', '--listen', '0.0.0.0:7000', '--token', 'secret'], {
      DISTLAB_METRICS_PORT: '9464',
      DISTLAB_METRICS_HOST: '0.0.0.0',
      DISTLAB_TLS_CA: 'postgres://inventory:hunter2@db:5432/x',
    });
    expect(await run.exited()).toBe(0);
    expect(run.lines.join('\n')).not.toContain('"listening"');
    const printed = JSON.parse(run.lines[0]) as { process: string; config: Record<string, unknown> };
    expect(printed.process).toBe('slow-server');
    expect(printed.config).toMatchObject({ host: '0.0.0.0', port: 7000, metrics: { host: '0.0.0.0', port: 9464 } });
    expect(printed.config['token']).toBe('(set)');
    expect(run.lines.join('\n')).not.toContain('secret');
    // A password in a URL is hidden too (any option may hold one: here a URL where a file would go).
    expect(run.lines.join('\n')).toContain('postgres://inventory:(set)@db:5432/x');
    expect(run.lines.join('\n')).not.toContain('hunter2');
  });

  it('fails as a start would on a bad variable, with exit code 2', async () => {
    run = spawnTypeScript(FIXTURE, ['--check-config'], { DISTLAB_PORT: 'eighty' });
    expect(await run.exited()).toBe(2);
    expect(run.stderr).toContain('--port must be an integer from 0 to 65535');
  });
});
