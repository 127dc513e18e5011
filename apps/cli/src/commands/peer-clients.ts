import type { Client } from '@grpc/grpc-js';
import { Command, InvalidArgumentError } from 'commander';
import { ClusterServiceClient } from '@distlab/contracts/cluster/v1/cluster';
import { createClient, unaryCall, type ClientConstructor } from '@distlab/grpc-kit';
import { CliContext } from '../context';
import type { SystemAddresses } from '../demos/demo-kit';
import { layout } from '../up/system';
import { lookupAddresses } from './registry';

/** Parses a peer id flag. */
export function peerId(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1)
    throw new InvalidArgumentError(`a peer id is a positive integer, got "${value}"`);
  return id;
}

/** Parses "250ms", "2s", "1.5m" or a bare number of milliseconds. */
export function durationMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (match === null) throw new InvalidArgumentError(`a duration is like 250ms, 2s or 1m, got "${value}"`);
  const scale = { ms: 1, s: 1_000, m: 60_000 }[match[2] ?? 'ms'] ?? 1;
  return Number(match[1]) * scale;
}

/** How long `--peer N` waits for the registry before falling back to the port layout. */
const REGISTRY_LOOKUP_DEADLINE_MS = 1_000;

/**
 * Where peer `id` listens: --target when given; else where the registry says `peer-<id>` is, when a registry answers
 * (so that any layout works, a cluster spread over machines included); else its port in the --base-port layout. With
 * --registry the registry is the only source: a peer it does not know is an error, not a guess at 127.0.0.1.
 */
export async function peerAddress(context: CliContext, id: number): Promise<string> {
  if (context.hasTarget) return context.target(context.ports.peer(id));
  const lookupContext = new CliContext({
    ...context.options,
    deadline: Math.min(context.options.deadline, REGISTRY_LOOKUP_DEADLINE_MS),
  });
  if (context.hasRegistry) {
    const registry = context.dial(context.ports.registry);
    const [address] = await lookupAddresses(registry, `peer-${id}`, lookupContext, 1);
    if (address === undefined)
      throw new Error(`no live peer-${id} in the registry at ${registry}: is it running, and was it given --registry?`);
    return context.dial(address);
  }
  try {
    const [address] = await lookupAddresses(context.ports.registry, `peer-${id}`, lookupContext, 1);
    if (address !== undefined) return context.dial(address);
  } catch {
    // No registry answers: the layout is all there is to go by.
  }
  return context.dial(context.ports.peer(id));
}

/**
 * Where the running system's balancer, inventory and peer `id` listen: with --registry, the registry (which is the
 * balancer, and fronts the inventory) and the peer where the registry says it is; else the --base-port layout on this
 * machine.
 */
export async function systemAddresses(context: CliContext, id: number): Promise<SystemAddresses> {
  if (context.hasRegistry)
    return {
      balancer: context.ports.balancer,
      inventory: context.ports.inventory,
      peer: await peerAddress(context, id),
    };
  const ports = layout(context.options.basePort, id, 0);
  return {
    balancer: `127.0.0.1:${ports.balancer}`,
    inventory: `127.0.0.1:${ports.inventory}`,
    peer: `127.0.0.1:${ports.peers[id - 1].port}`,
  };
}

/** Runs `use` with a client of `Constructor`'s service on peer `id`, closing it afterwards. */
export async function withPeer<C extends Client, T>(
  command: Command,
  Constructor: ClientConstructor<C>,
  id: number,
  use: (client: C, context: CliContext) => Promise<T>,
): Promise<T> {
  const context = CliContext.of(command);
  const client = createClient(Constructor, await peerAddress(context, id), context.clientSettings());
  try {
    return await use(client, context);
  } finally {
    client.close();
  }
}

/** The cluster's members and addresses, as peer `via` knows them. */
export async function membersOf(command: Command, via: number): Promise<Array<{ peerId: number; address: string }>> {
  const viaAddress = await peerAddress(CliContext.of(command), via);
  return withPeer(command, ClusterServiceClient, via, async (client) => {
    const listed = await unaryCall(client, 'listMembers', {});
    return listed.members.map((member) => ({
      peerId: member.peerId,
      address: member.peerId === listed.peerId ? viaAddress : member.address,
    }));
  });
}

/** Runs `use` on every member (found through peer `via`), in id order; a member that fails yields its error. */
export async function onEveryMember<C extends Client, T>(
  command: Command,
  Constructor: ClientConstructor<C>,
  via: number,
  use: (client: C, peerId: number) => Promise<T>,
): Promise<Array<{ peerId: number; result?: T; error?: string }>> {
  const context = CliContext.of(command);
  const members = await membersOf(command, via);
  return Promise.all(
    members.map(async ({ peerId: id, address }) => {
      const client = createClient(Constructor, address, { ...context.clientSettings(), maxAttempts: 1 });
      try {
        return { peerId: id, result: await use(client, id) };
      } catch (error) {
        const details = (error as { details?: string }).details ?? String(error);
        // A member that is down is the usual case here (the Bully demo kills one): say so, not grpc-js's note.
        return { peerId: id, error: /ECONNREFUSED/.test(details) ? `not answering at ${address}` : details };
      } finally {
        client.close();
      }
    }),
  );
}
