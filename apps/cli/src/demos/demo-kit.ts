import { Command } from 'commander';
import { eventKindLogName } from '@distlab/contracts';
import { ClockServiceClient, type Event } from '@distlab/contracts/clock/v1/clock';
import { ClusterServiceClient } from '@distlab/contracts/cluster/v1/cluster';
import { createClient, unaryCall, type ClientConstructor } from '@distlab/grpc-kit';
import { formatCheck, type CheckResult, type TraceEvent } from '@distlab/trace';
import type { Client } from '@grpc/grpc-js';
import { CliContext, paintVerdicts } from '../context';

/** Where the system's services listen: `distlab up`'s layout from its base port. */
export interface SystemAddresses {
  balancer: string;
  inventory: string;
  /** The peer the members are asked from. */
  peer: string;
}

/** What a demo runs against: the system's addresses, the cluster's members, its clients, and the narrative. */
export class DemoRun {
  private readonly clients: Client[] = [];
  private readonly markers = new Map<number, number>();
  readonly checks: CheckResult[] = [];

  private constructor(
    readonly context: CliContext,
    readonly addresses: SystemAddresses,
    readonly members: Array<{ peerId: number; address: string }>,
  ) {}

  /** Finds the members through the peer at `addresses.peer`. */
  static async begin(command: Command, addresses: SystemAddresses): Promise<DemoRun> {
    const context = CliContext.of(command);
    const cluster = createClient(ClusterServiceClient, addresses.peer, context.clientSettings());
    try {
      const listed = await unaryCall(cluster, 'listMembers', {});
      const members = listed.members.map((member) => ({
        peerId: member.peerId,
        address: member.peerId === listed.peerId ? addresses.peer : member.address,
      }));
      return new DemoRun(context, addresses, members);
    } finally {
      cluster.close();
    }
  }

  get peerIds(): number[] {
    return this.members.map((member) => member.peerId);
  }

  client<C extends Client>(Constructor: ClientConstructor<C>, peerId: number, maxAttempts = 1): C {
    const member = this.members.find((candidate) => candidate.peerId === peerId);
    if (member === undefined) throw new Error(`peer ${peerId} is not a member`);
    const client = createClient(Constructor, member.address, { ...this.context.clientSettings(), maxAttempts });
    this.clients.push(client);
    return client;
  }

  say(line: string): void {
    if (!this.context.json) process.stdout.write(`${line}\n`);
  }

  /** Logs a local event "demo <name> starts" on every live peer: the demo's events are those from there on. */
  async mark(name: string): Promise<void> {
    await Promise.all(
      this.peerIds.map(async (peerId) => {
        try {
          const { event } = await unaryCall(this.client(ClockServiceClient, peerId), 'localEvent', {
            label: `demo ${name} starts`,
          });
          this.markers.set(peerId, Number(event?.sequence ?? 0));
        } catch {
          // A peer that is down takes no part; the checkers read the others.
        }
      }),
    );
  }

  /**
   * Every event logged since the mark (or, with `whole`, since each peer started), on every peer that answers, as the
   * checkers read them.
   */
  async events(whole = false): Promise<TraceEvent[]> {
    const collected: TraceEvent[] = [];
    const incarnations = await this.incarnations();
    for (const peerId of this.peerIds) {
      const after = whole ? 0 : this.markers.get(peerId);
      if (after === undefined) continue;
      const client = this.client(ClockServiceClient, peerId);
      let pageToken = '';
      try {
        for (let pages = 0; pages < 10_000; pages += 1) {
          const page = await unaryCall(client, 'listEvents', { pageSize: 1000, pageToken, algorithm: '' });
          for (const event of page.events)
            if (Number(event.sequence) >= after) collected.push(toTraceEvent(event, incarnations.get(peerId) ?? 1));
          pageToken = page.nextPageToken;
          if (pageToken === '') break;
        }
      } catch {
        // A peer that died during the demo (the Bully demo kills one) has no log to give.
      }
    }
    return collected;
  }

  check(result: CheckResult): void {
    this.checks.push(result);
    this.say(paintVerdicts(formatCheck(result)));
  }

  /** Prints the verdict (unless `report` is false) and closes the clients; returns whether every check passed. */
  finish(name: string, report = true): boolean {
    for (const client of this.clients) client.close();
    if (!report) return true;
    const passed = this.checks.length > 0 && this.checks.every((check) => check.passed);
    if (this.context.json) process.stdout.write(`${JSON.stringify({ demo: name, passed, checks: this.checks })}\n`);
    else process.stdout.write(`${paintVerdicts(passed ? 'PASS' : 'FAIL')}: demo ${name}\n`);
    return passed;
  }

  private async incarnations(): Promise<Map<number, number>> {
    const known = new Map<number, number>();
    await Promise.all(
      this.peerIds.map(async (peerId) => {
        try {
          const listed = await unaryCall(this.client(ClusterServiceClient, peerId), 'listMembers', {});
          known.set(peerId, Number(listed.incarnation));
        } catch {
          // Down: its events are not read either.
        }
      }),
    );
    return known;
  }
}

export function toTraceEvent(event: Event, incarnation: number): TraceEvent {
  return {
    peer: event.peerId,
    incarnation,
    sequence: Number(event.sequence),
    kind: eventKindLogName(event.kind),
    lamport: Number(event.stamp?.lamport ?? 0),
    vector: new Map(
      Object.entries(event.stamp?.vector ?? {}).map(([peerId, count]) => [Number(peerId), Number(count)]),
    ),
    wallTime: event.wallTime?.toISOString() ?? '',
    algorithm: event.algorithm,
    label: event.label,
    remotePeer: event.remotePeerId || undefined,
    messageId: event.messageId || undefined,
  };
}

/** A check from a condition, for the demos' own invariants (agreement, bounds). */
export function verdict(name: string, passed: boolean, summary: string, violation = summary): CheckResult {
  return { name, passed, summary, violations: passed ? [] : [violation] };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
