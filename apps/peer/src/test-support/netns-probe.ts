import { join } from 'node:path';
import type { SpawnedProcess, VirtualNetwork } from '@distlab/testing';

/** What the agent answered: the call's result, or the gRPC code and details it failed with. */
export type ProbeAnswer<T> = { ok: true; result: T } | { ok: false; code: number; details: string };

/**
 * The test's side of netns-agent.ts: an agent process on one host of a virtual network makes gRPC calls there for the
 * test, which stays outside the network. Each call is answered (or failed with its status) within its deadline.
 */
export class NetworkProbe {
  private nextId = 1;
  private readonly pending = new Map<number, (answer: ProbeAnswer<unknown>) => void>();

  private constructor(private readonly agent: SpawnedProcess) {}

  /** Starts an agent on `host` of `network` and waits until it is ready. */
  static async start(network: VirtualNetwork, host: string): Promise<NetworkProbe> {
    const agent = network.spawnTypeScript(host, join(__dirname, 'netns-agent.ts'));
    await agent.waitForLine((line) => line.includes('"ready":true'), 60_000);
    const probe = new NetworkProbe(agent);
    agent.onLine((line) => probe.answer(line));
    return probe;
  }

  /** The leader and term peer `address` names. */
  leader(address: string, deadlineMs = 1_000): Promise<ProbeAnswer<{ leaderId: number; term: number }>> {
    return this.call('leader', address, deadlineMs);
  }

  /** Acquires and releases the lock through peer `address`. */
  lock(address: string, deadlineMs = 5_000): Promise<ProbeAnswer<{ fencingToken: number }>> {
    return this.call('lock', address, deadlineMs);
  }

  /** The health of the server at `address` (ServingStatus: 1 is SERVING). */
  health(address: string, deadlineMs = 1_000): Promise<ProbeAnswer<{ status: number }>> {
    return this.call('health', address, deadlineMs);
  }

  async stop(): Promise<void> {
    this.agent.child.stdin?.end();
    await this.agent.stop();
  }

  private call<T>(op: string, address: string, deadlineMs: number): Promise<ProbeAnswer<T>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (answer: ProbeAnswer<unknown>) => void);
      this.agent.child.stdin?.write(`${JSON.stringify({ id, op, address, deadlineMs })}\n`);
    });
  }

  private answer(line: string): void {
    if (!line.startsWith('{"id"')) return;
    const { id, ...answer } = JSON.parse(line) as { id: number } & ProbeAnswer<unknown>;
    this.pending.get(id)?.(answer);
    this.pending.delete(id);
  }
}
