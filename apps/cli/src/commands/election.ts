import { Command, Option } from 'commander';
import { ElectionAlgorithm, ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { unaryCall } from '@distlab/grpc-kit';
import { action, CliContext } from '../context';
import { onEveryMember, peerId, withPeer } from './peer-clients';

const algorithmName = (value: ElectionAlgorithm) =>
  (ElectionAlgorithm[value] ?? 'UNKNOWN').replace('ELECTION_ALGORITHM_', '').toLowerCase();

export function electionCommands(program: Command): void {
  const election = program.command('election').description('Bully and Ring leader election (ElectionService)');
  election
    .command('leader')
    .description('the leader every peer knows')
    .option('--peer <id>', 'the peer to ask for the members', peerId, 1)
    .action(
      action(async (options: { peer: number }, command: Command) => {
        const context = CliContext.of(command);
        const views = await onEveryMember(command, ElectionServiceClient, options.peer, (client) =>
          unaryCall(client, 'getLeader', {}),
        );
        for (const { peerId: id, result, error } of views) {
          const text = result
            ? `peer-${id} follows ${result.leaderId === 0 ? 'nobody yet' : `peer-${result.leaderId}`} (term ${result.term}, ${algorithmName(result.algorithm)})${result.electionInProgress ? ', election running' : ''}`
            : `peer-${id} unreachable: ${error}`;
          context.print(result ?? { peerId: id, error }, text);
        }
      }),
    );
  election
    .command('start')
    .description('make a peer start an election now and wait for the outcome')
    .addOption(new Option('--algorithm <name>', 'bully or ring').choices(['bully', 'ring']).default('bully'))
    .option('--peer <id>', 'the peer that starts it', peerId, 1)
    .action(
      action(async (options: { algorithm: string; peer: number }, command: Command) =>
        withPeer(command, ElectionServiceClient, options.peer, async (client, context) => {
          const started = await unaryCall(client, 'startElection', {
            algorithm:
              options.algorithm === 'ring'
                ? ElectionAlgorithm.ELECTION_ALGORITHM_RING
                : ElectionAlgorithm.ELECTION_ALGORITHM_BULLY,
            wait: true,
          });
          context.print(started, `term ${started.term}: peer-${started.leaderId} leads`);
        }),
      ),
    );
}
