import type { SpawnedProcess } from './processes';
import type { VirtualNetwork } from './netns';

/** What an agent answered: the call's result, or the gRPC code and details it failed with. */
export type ProbeAnswer<T = unknown> = { ok: true; result: T } | { ok: false; code: number; details: string };

/** A call for an agent to make: which operation, on which server; the agent defines the rest. */
export interface ProbeRequest {
  op: string;
  address: string;
}

const POLL_MS = 100;
/** How long past a call's deadline an agent may take to answer: a busy machine's scheduling, not the call's. */
const AGENT_SLACK_MS = 10_000;

/**
 * A test's hands on a virtual network (netns.ts): an agent process on one of its hosts (a file that calls
 * `serveProbeRequests`, netns-agent-loop.ts) makes gRPC calls there for the test, which stays in this machine's own
 * namespace and so needs no address on the test network. Each call is answered, or failed with its status, within its
 * deadline; an agent that does not answer well past it (it died, or hangs) is answered for, with its stderr.
 */
export class AgentProbe<Request extends ProbeRequest> {
  private nextId = 1;
  private readonly pending = new Map<number, (answer: ProbeAnswer) => void>();

  private constructor(private readonly agent: SpawnedProcess) {}

  /** Starts the agent `entry` (a TypeScript file) on `host` of `network` and waits until it is ready. */
  static async start<Request extends ProbeRequest>(
    network: VirtualNetwork,
    host: string,
    entry: string,
  ): Promise<AgentProbe<Request>> {
    const agent = network.spawnTypeScript(host, entry);
    await agent.waitForLine((line) => line.includes('"ready":true'), 60_000);
    const probe = new AgentProbe<Request>(agent);
    agent.onLine((line) => probe.answer(line));
    return probe;
  }

  /** Makes one call; resolves with its answer, failures included. */
  call<T = unknown>(request: Request, deadlineMs = 5_000): Promise<ProbeAnswer<T>> {
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
        resolve(answer as ProbeAnswer<T>);
      });
      this.agent.child.stdin?.write(`${JSON.stringify({ id, deadlineMs, ...request })}\n`);
    });
  }

  /**
   * Repeats the call until it succeeds and `accept` takes its result (a system still starting, a leader not yet
   * agreed), for at most `boundMs`; rejects naming the last answer.
   */
  async until<T>(request: Request, accept: (result: T) => boolean, boundMs = 60_000): Promise<T> {
    const startedAt = performance.now();
    let last: ProbeAnswer<T> | undefined;
    while (performance.now() - startedAt < boundMs) {
      last = await this.call<T>(request, 2_000);
      if (last.ok && accept(last.result)) return last.result;
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
