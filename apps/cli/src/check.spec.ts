import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElectionAlgorithm, ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { MutexServiceClient } from '@distlab/contracts/mutex/v1/mutex';
import { createClient, unaryCall } from '@distlab/grpc-kit';
import { PeerCluster, WORKSPACE_ROOT, spawnDistlab } from '@distlab/testing';

// `distlab check` judges event logs from any implementation: it passes the logs of five real reference peers (each
// entering the critical section twice, after a Bully election), passes the Python example's correct log, and fails
// the Python example's deliberately broken one (a holder that replies), naming the two holders.

const PYTHON_EXAMPLE = join(WORKSPACE_ROOT, 'examples', 'python-mutex-log', 'write_log.py');
const out = mkdtempSync(join(tmpdir(), 'distlab-check-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

async function check(eventsDir: string): Promise<{ code: number | string; output: string }> {
  const run = spawnDistlab(['check', '--events-dir', eventsDir]);
  run.child.stdin!.end();
  const code = await run.exited();
  return { code, output: `${run.lines.join('\n')}${run.stderr}` };
}

describe('distlab check', () => {
  it("passes the reference peers' own logs", async () => {
    const cluster = await PeerCluster.start({ size: 5 });
    try {
      const election = createClient(ElectionServiceClient, cluster.addresses.get(1)!);
      await unaryCall(election, 'startElection', { algorithm: ElectionAlgorithm.ELECTION_ALGORITHM_BULLY, wait: true });
      election.close();
      await Promise.all(
        cluster.ids.map(async (id) => {
          const mutex = createClient(MutexServiceClient, cluster.addresses.get(id)!);
          for (let entry = 0; entry < 2; entry += 1) {
            const grant = await unaryCall(mutex, 'acquire', { lease: undefined, clientName: `check-${id}` });
            await unaryCall(mutex, 'release', { fencingToken: grant.fencingToken });
          }
          mutex.close();
        }),
      );
    } finally {
      await cluster.stop();
    }
    const result = await check(cluster.eventsDir);
    process.stdout.write(`${result.output}\n`);
    expect(result.output).toContain('PASS Lamport and vector clocks');
    expect(result.output).toContain('PASS mutual exclusion: 10 critical sections by 5 peers');
    expect(result.output).toContain('PASS leader agreement');
    expect(result.code).toBe(0);
  }, 120_000);

  it("passes the Python example's correct log", async () => {
    const dir = join(out, 'good');
    execFileSync('python3', [PYTHON_EXAMPLE, dir]);
    const result = await check(dir);
    expect(result.output).toContain('PASS mutual exclusion');
    expect(result.code).toBe(0);
  }, 60_000);

  it("fails the Python example's deliberately broken log, naming the two holders", async () => {
    const dir = join(out, 'broken');
    execFileSync('python3', [PYTHON_EXAMPLE, dir, '--broken']);
    const result = await check(dir);
    process.stdout.write(`${result.output}\n`);
    expect(result.output).toContain('PASS Lamport and vector clocks');
    expect(result.output).toMatch(/FAIL mutual exclusion[^\n]*\n\s+two holders: peer 1 .* and peer 2 /);
    expect(result.code).toBe(1);
  }, 60_000);
});
