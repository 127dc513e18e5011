import { join } from 'node:path';
import type { SpawnedProcess, VirtualNetwork } from '@distlab/testing';
import type { AgentRequest } from './netns-agent';

/** What the agent answered: the call's result, or the gRPC code and details it failed with. */
export type ProbeAnswer = { ok: true; result: unknown } | { ok: false; code: number; details: string };

const POLL_MS = 100;
/** How long past a call's deadline the agent may take to answer: a busy machine's scheduling, not the call's. */
const AGENT_SLACK_MS = 10_000;

/**
 * The test's side of netns-agent.ts: an agent process on one host of a virtual network makes gRPC calls there for the
 * test, which stays outside the network. Each call is answered (or failed with its status) within its deadline.
 */
export class NetworkProbe {
  private nextId = 1;
  private readonly pending = new Map<number, (answer: ProbeAnswer) => void>();

  private constructor(private readonly agent: SpawnedProcess) {}

  /** Starts an agent on `host` of `network` and waits until it is ready. */
  static async start(network: VirtualNetwork, host: string): Promise<NetworkProbe> {
    const agent = network.spawnTypeScript(host, join(__dirname, 'netns-agent.ts'));
    await agent.waitForLine((line) => line.includes('"ready":true'), 60_000);
    const probe = new NetworkProbe(agent);
    agent.onLine((line) => probe.answer(line));
    return probe;
  }

  /**
   * Makes one call; resolves with its answer, failures included. An agent that does not answer well past the call's
   * deadline (it died, or hangs) is answered for, with the agent's stderr, so that no wait outlives its bound.
   */
  call(request: AgentRequest, deadlineMs = 5_000): Promise<ProbeAnswer> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({
          ok: false,
          code: -1,
          details: `the agent did not answer; its stderr: ${this.agent.stderr.slice(-2000)}`,
        });
      }, deadlineMs + AGENT_SLACK_MS);
      this.pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.agent.child.stdin?.write(`${JSON.stringify({ id, deadlineMs, ...request })}\n`);
    });
  }

  /**
   * Repeats the call until it succeeds and `accept` takes its result (a system still starting, a leader not yet
   * agreed), for at most `boundMs`; rejects naming the last answer.
   */
  async until<T>(request: AgentRequest, accept: (result: T) => boolean, boundMs = 60_000): Promise<T> {
    const startedAt = performance.now();
    let last: ProbeAnswer | undefined;
    while (performance.now() - startedAt < boundMs) {
      last = await this.call(request, 2_000);
      if (last.ok && accept(last.result as T)) return last.result as T;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(
      `${request.op} at ${request.address}: not as expected within ${boundMs} ms; last: ${JSON.stringify(last)}`,
    );
  }

  async stop(): Promise<void> {
    this.agent.child.stdin?.end();
    await this.agent.stop();
  }

  private answer(line: string): void {
    if (!line.startsWith('{"id"')) return;
    const { id, ...answer } = JSON.parse(line) as { id: number } & ProbeAnswer;
    this.pending.get(id)?.(answer);
    this.pending.delete(id);
  }
}
