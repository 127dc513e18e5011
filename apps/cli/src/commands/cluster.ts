import { Command } from 'commander';
import { ClusterServiceClient } from '@distlab/contracts/cluster/v1/cluster';
import { unaryCall } from '@distlab/grpc-kit';
import { action, CliContext } from '../context';
import { onEveryMember, peerId, withPeer } from './peer-clients';

export function clusterCommands(program: Command): void {
  const cluster = program.command('cluster').description("the peers' membership (ClusterService)");
  cluster
    .command('members')
    .description('the members as a peer knows them')
    .option('--peer <id>', 'the peer to ask', peerId, 1)
    .action(
      action(async (options: { peer: number }, command: Command) =>
        withPeer(command, ClusterServiceClient, options.peer, async (client, context) => {
          const listed = await unaryCall(client, 'listMembers', {});
          const lines = listed.members.map(
            (member) => `peer-${member.peerId} ${member.address || '(this peer)'} incarnation ${member.incarnation}`,
          );
          context.print(listed, lines.join('\n'));
        }),
      ),
    );
  cluster
    .command('remove')
    .description('take a dead peer out of every live member (refused while it still answers)')
    .argument('<id>', 'the dead peer', peerId)
    .option('--peer <id>', 'a live peer to ask for the members', peerId, 1)
    .action(
      action(async (id: number, options: { peer: number }, command: Command) => {
        const context = CliContext.of(command);
        const results = await onEveryMember(command, ClusterServiceClient, options.peer, async (client, member) =>
          member === id ? undefined : unaryCall(client, 'removeMember', { peerId: id }),
        );
        for (const { peerId: member, result, error } of results.filter((entry) => entry.peerId !== id)) {
          const text = error
            ? `peer-${member}: ${error}`
            : `peer-${member}: members now ${result?.memberPeerIds.join(',')}`;
          context.print({ peerId: member, ...(error ? { error } : result) }, text);
          if (error) process.exitCode = 1;
        }
      }),
    );
  cluster
    .command('add')
    .description('add a peer (back) to every member')
    .argument('<id>', 'the peer to add', peerId)
    .requiredOption('--address <host:port>', 'where it listens')
    .option('--peer <id>', 'a live peer to ask for the members', peerId, 1)
    .action(
      action(async (id: number, options: { address: string; peer: number }, command: Command) => {
        const context = CliContext.of(command);
        const results = await onEveryMember(command, ClusterServiceClient, options.peer, (client) =>
          unaryCall(client, 'addMember', { peerId: id, address: options.address }),
        );
        for (const { peerId: member, error } of results)
          context.print({ peerId: member, error }, `peer-${member}: ${error ?? 'added'}`);
        // The members were listed before the addition: a new peer is not among them and must be started knowing them.
        if (!results.some((result) => result.peerId === id))
          context.print({ hint: 'start it with --peers' }, `start peer ${id} with --peers naming every member`);
      }),
    );
}
