import { Command, InvalidArgumentError } from 'commander';
import { ChaosServiceClient, LinkFaults } from '@distlab/contracts/chaos/v1/chaos';
import { durationToMs, msToDuration, unaryCall } from '@distlab/grpc-kit';
import { action, CliContext } from '../context';
import { durationMs, onEveryMember, peerId, withPeer } from './peer-clients';

/** Parses "1,2,3" into peer ids. */
function peerSet(value: string): number[] {
  const ids = value.split(',').map((part) => peerId(part.trim()));
  if (ids.length === 0) throw new InvalidArgumentError('a set of peers is like 1,2,3');
  return ids;
}

function probability(value: string): number {
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed <= 1)) throw new InvalidArgumentError(`a probability is 0 to 1, got "${value}"`);
  return parsed;
}

/** Every fault off: ts-proto's zero value of LinkFaults. */
const NO_FAULTS: LinkFaults = LinkFaults.fromPartial({});

function describeLink(link: LinkFaults): string {
  const parts = [];
  if (link.blocked) parts.push('blocked');
  if (link.hang) parts.push('hanging');
  if (link.dropProbability > 0) parts.push(`drop ${link.dropProbability}`);
  const delayMs = durationToMs(link.delay, 0);
  const jitterMs = durationToMs(link.jitter, 0);
  if (delayMs > 0 || jitterMs > 0) parts.push(`delay ${delayMs} ms ± ${jitterMs} ms`);
  if (link.duplicateProbability > 0) parts.push(`duplicate ${link.duplicateProbability}`);
  return `→ peer-${link.toPeerId}: ${parts.join(', ')}`;
}

/** Sets `faults` on the links from each of `from` (every member when undefined) to each of `to` (every other). */
async function setFaults(command: Command, faults: Partial<LinkFaults>, from?: number[], to?: number[]) {
  const context = CliContext.of(command);
  const results = await onEveryMember(command, ChaosServiceClient, from?.[0] ?? 1, async (client, member) => {
    if (from !== undefined && !from.includes(member)) return undefined;
    const targets = (to ?? []).filter((id) => id !== member);
    if (to !== undefined && targets.length === 0) return undefined;
    return unaryCall(client, 'setLinkFaults', { toPeerIds: targets, faults: { ...NO_FAULTS, ...faults } });
  });
  for (const { peerId: member, result, error } of results) {
    if (result === undefined && error === undefined) continue;
    const text = error
      ? `peer-${member}: ${error}`
      : `peer-${member} ${result!.links.map(describeLink).join('; ') || 'no faults'}`;
    context.print({ peerId: member, ...(error ? { error } : result) }, text);
    if (error) process.exitCode = 1;
  }
}

export function chaosCommands(program: Command): void {
  const chaos = program.command('chaos').description('inject faults between the peers (ChaosService)');
  chaos
    .command('partition')
    .description('cut the cluster into groups that cannot reach each other, e.g. partition 1,2 3,4,5')
    .argument('<groups...>', 'two or more sets of peer ids')
    .option('--one-way', 'only the first group cannot reach the others (they still reach it)')
    .option(
      '--hang',
      'messages across wait as on a cut cable (no error until the heal or their 5 s deadline), instead of failing at once',
    )
    .action(
      action(async (groups: string[], options: { oneWay?: boolean; hang?: boolean }, command: Command) => {
        const sets = groups.map(peerSet);
        if (sets.length < 2) throw new InvalidArgumentError('a partition needs at least two groups');
        const cut = options.hang ? { hang: true } : { blocked: true };
        for (const [index, group] of sets.entries()) {
          if (options.oneWay && index > 0) break;
          const others = sets.filter((_, other) => other !== index).flat();
          await setFaults(command, cut, group, others);
        }
      }),
    );
  chaos
    .command('delay')
    .description('delay the messages between peers')
    .requiredOption('--ms <ms>', 'delay of each message', (value) => durationMs(value))
    .option('--jitter <ms>', 'random extra delay, up to this', (value) => durationMs(value), 0)
    .option('--from <ids>', 'only messages from these peers', peerSet)
    .option('--to <ids>', 'only messages to these peers', peerSet)
    .action(
      action(async (options: { ms: number; jitter: number; from?: number[]; to?: number[] }, command: Command) =>
        setFaults(
          command,
          { delay: msToDuration(options.ms), jitter: msToDuration(options.jitter) },
          options.from,
          options.to,
        ),
      ),
    );
  chaos
    .command('drop')
    .description('lose messages between peers at random')
    .requiredOption('--probability <p>', 'the chance each message is lost, 0 to 1', probability)
    .option('--from <ids>', 'only messages from these peers', peerSet)
    .option('--to <ids>', 'only messages to these peers', peerSet)
    .action(
      action(async (options: { probability: number; from?: number[]; to?: number[] }, command: Command) =>
        setFaults(command, { dropProbability: options.probability }, options.from, options.to),
      ),
    );
  chaos
    .command('duplicate')
    .description('send messages between peers twice at random')
    .requiredOption('--probability <p>', 'the chance each message is sent twice, 0 to 1', probability)
    .option('--from <ids>', 'only messages from these peers', peerSet)
    .option('--to <ids>', 'only messages to these peers', peerSet)
    .action(
      action(async (options: { probability: number; from?: number[]; to?: number[] }, command: Command) =>
        setFaults(command, { duplicateProbability: options.probability }, options.from, options.to),
      ),
    );
  chaos
    .command('pause')
    .description('make a peer stop answering and sending, without dying')
    .argument('<id>', 'the peer', peerId)
    .option('--for <duration>', 'resume by itself after this long, e.g. 2s', durationMs)
    .action(
      action(async (id: number, options: { for?: number }, command: Command) =>
        withPeer(command, ChaosServiceClient, id, async (client, context) => {
          await unaryCall(client, 'pause', {
            duration: options.for === undefined ? undefined : msToDuration(options.for),
          });
          context.print(
            { peerId: id, paused: true },
            `peer-${id} paused${options.for === undefined ? '' : ` for ${options.for} ms`}`,
          );
        }),
      ),
    );
  chaos
    .command('resume')
    .description('end a pause')
    .argument('<id>', 'the peer', peerId)
    .action(
      action(async (id: number, _options: object, command: Command) =>
        withPeer(command, ChaosServiceClient, id, async (client, context) => {
          const resumed = await unaryCall(client, 'resume', {});
          context.print(resumed, `peer-${id} resumed; ${resumed.heldCalls} calls and messages had waited`);
        }),
      ),
    );
  chaos
    .command('heal')
    .description('remove every fault and pause, on every peer')
    .option('--peer <id>', 'the peer to ask for the members', peerId, 1)
    .action(
      action(async (options: { peer: number }, command: Command) => {
        const context = CliContext.of(command);
        const results = await onEveryMember(command, ChaosServiceClient, options.peer, (client) =>
          unaryCall(client, 'heal', {}),
        );
        for (const { peerId: member, error } of results)
          context.print({ peerId: member, error }, `peer-${member}: ${error ?? 'healed'}`);
      }),
    );
  chaos
    .command('show')
    .description('the faults in force on every peer')
    .option('--peer <id>', 'the peer to ask for the members', peerId, 1)
    .action(
      action(async (options: { peer: number }, command: Command) => {
        const context = CliContext.of(command);
        const results = await onEveryMember(command, ChaosServiceClient, options.peer, (client) =>
          unaryCall(client, 'getFaults', {}),
        );
        for (const { peerId: member, result, error } of results) {
          const text = result
            ? `peer-${member}${result.paused ? ' PAUSED' : ''} ${result.links.map(describeLink).join('; ') || 'no faults'}`
            : `peer-${member}: ${error}`;
          context.print(result ?? { peerId: member, error }, text);
        }
      }),
    );
}
