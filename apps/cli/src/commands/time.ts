import { Command, Option } from 'commander';
import { SyncAlgorithm, TimeServiceClient, type SynchronizeResponse } from '@distlab/contracts/clock/v1/time';
import { durationToMs, unaryCall } from '@distlab/grpc-kit';
import { action, CliContext } from '../context';
import { onEveryMember, peerId, withPeer } from './peer-clients';

const ms = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(3)} ms`;

/** One synchronization round as text: what was applied, the bound, and each reading. */
export function syncText(response: SynchronizeResponse): string {
  const lines = [
    `${SyncAlgorithm[response.algorithm].replace('SYNC_ALGORITHM_', '').toLowerCase()}: applied ${ms(durationToMs(response.appliedAdjustment, 0))}, error bound ±${durationToMs(response.errorBound, 0).toFixed(3)} ms`,
  ];
  for (const reading of response.readings) {
    const detail = reading.error
      ? `error: ${reading.error}`
      : `offset ${ms(durationToMs(reading.offset, 0))}, round trip ${durationToMs(reading.roundTrip, 0).toFixed(3)} ms, adjustment ${ms(durationToMs(reading.adjustment, 0))}${reading.included ? '' : ' (left out of the average)'}`;
    lines.push(`  peer-${reading.peerId}: ${detail}`);
  }
  return lines.join('\n');
}

export function timeCommands(program: Command): void {
  const time = program.command('time').description("the peers' physical clocks (TimeService)");
  time
    .command('show')
    .description("every peer's clock and its true offset from this machine's system clock")
    .option('--peer <id>', 'the peer to ask for the members', peerId, 1)
    .action(
      action(async (options: { peer: number }, command: Command) => {
        const context = CliContext.of(command);
        const readings = await onEveryMember(command, TimeServiceClient, options.peer, (client) =>
          unaryCall(client, 'getTime', {}),
        );
        for (const { peerId: id, result, error } of readings) {
          const text = result
            ? `peer-${id} ${result.time?.toISOString()} offset from system ${ms(durationToMs(result.offsetFromSystem, 0))}`
            : `peer-${id} unreachable: ${error}`;
          context.print(result ?? { peerId: id, error }, text);
        }
      }),
    );
  time
    .command('sync')
    .description('run one round of Cristian (this peer asks a time server) or Berkeley (this peer is the master)')
    .addOption(
      new Option('--algorithm <name>', 'cristian or berkeley').choices(['cristian', 'berkeley']).makeOptionMandatory(),
    )
    .option('--peer <id>', 'the peer that synchronizes (Cristian client, Berkeley master)', peerId, 1)
    .option('--server <id>', 'Cristian: the time server peer (default: the lowest other id)', peerId)
    .option('--samples <n>', 'readings of each clock, keeping the fastest', (value) => Number(value), 8)
    .action(
      action(async (options: { algorithm: string; peer: number; server?: number; samples: number }, command: Command) =>
        withPeer(command, TimeServiceClient, options.peer, async (client, context) => {
          const response = await unaryCall(client, 'synchronize', {
            algorithm:
              options.algorithm === 'cristian'
                ? SyncAlgorithm.SYNC_ALGORITHM_CRISTIAN
                : SyncAlgorithm.SYNC_ALGORITHM_BERKELEY,
            timeServerPeerId: options.server ?? 0,
            samples: options.samples,
            maxDeviation: undefined,
          });
          context.print(response, syncText(response));
        }),
      ),
    );
}
