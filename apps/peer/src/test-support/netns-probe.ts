import { join } from 'node:path';
import { AgentProbe, type ProbeAnswer, type VirtualNetwork } from '@distlab/testing';
import type { PeerProbeRequest } from './netns-agent';

/** The peers' calls through an AgentProbe on a host of a virtual network (its agent: netns-agent.ts). */
export class NetworkProbe {
  private constructor(private readonly probe: AgentProbe<PeerProbeRequest>) {}

  /** Starts an agent on `host` of `network` and waits until it is ready. */
  static async start(network: VirtualNetwork, host: string): Promise<NetworkProbe> {
    return new NetworkProbe(await AgentProbe.start(network, host, join(__dirname, 'netns-agent.ts')));
  }

  /** The leader and term peer `address` names. */
  leader(address: string, deadlineMs = 1_000): Promise<ProbeAnswer<{ leaderId: number; term: number }>> {
    return this.probe.call({ op: 'leader', address }, deadlineMs);
  }

  /** Acquires and releases the lock through peer `address`. */
  lock(address: string, deadlineMs = 5_000): Promise<ProbeAnswer<{ fencingToken: number }>> {
    return this.probe.call({ op: 'lock', address }, deadlineMs);
  }

  /** The health of the server at `address` (ServingStatus: 1 is SERVING). */
  health(address: string, deadlineMs = 1_000): Promise<ProbeAnswer<{ status: number }>> {
    return this.probe.call({ op: 'health', address }, deadlineMs);
  }

  stop(): Promise<void> {
    return this.probe.stop();
  }
}
