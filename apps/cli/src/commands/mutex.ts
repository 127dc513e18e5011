import { Command } from 'commander';
import { MutexServiceClient, MutexState } from '@distlab/contracts/mutex/v1/mutex';
import { durationToMs, unaryCall } from '@distlab/grpc-kit';
import { LockSession } from '@distlab/service-clients';
import { action, CliContext } from '../context';
import { durationMs, onEveryMember, peerId, withPeer } from './peer-clients';

const stateName = (state: MutexState) => (MutexState[state] ?? 'UNKNOWN').replace('MUTEX_STATE_', '').toLowerCase();

export function mutexCommands(program: Command): void {
  const mutex = program
    .command('mutex')
    .description('Ricart–Agrawala mutual exclusion between the peers (MutexService)');
  mutex
    .command('acquire')
    .description(
      'enter the critical section through a peer, hold it, and leave (on a lock session: if this command dies, ' +
        'the peer releases at once)',
    )
    .option('--peer <id>', 'the peer to ask', peerId, 1)
    .option('--hold <duration>', 'how long to hold it, e.g. 2s', durationMs, 0)
    .option(
      '--lease <duration>',
      'released by the peer after this even if this command hangs (default: hold + 10s)',
      durationMs,
    )
    .option('--name <text>', 'who is asking, for the event log', `cli-${process.pid}`)
    .action(
      action(async (options: { peer: number; hold: number; lease?: number; name: string }, command: Command) =>
        withPeer(command, MutexServiceClient, options.peer, async (client, context) => {
          // A Session, not a unary Acquire: the stream is this command's liveness, so a kill -9 or a dropped
          // connection releases the hold (or withdraws the wait) at once instead of at the lease's end.
          const session = new LockSession(client);
          try {
            const grant = await session.acquire({
              leaseMs: options.lease ?? options.hold + 10_000,
              clientName: options.name,
              // Waiting is the point: the client deadline bounds the wait.
              waitTimeoutMs: Math.max(CliContext.of(command).clientSettings().deadlineMs ?? 5_000, 1),
            });
            context.print(
              grant,
              `entered: fencing token ${grant.fencingToken} (request at Lamport time ${grant.requestTimestamp})`,
            );
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, options.hold);
              process.once('SIGINT', () => (clearTimeout(timer), resolve()));
            });
            const released = await session.release(grant.fencingToken);
            context.print(released, `released after ${durationToMs(released.held, 0).toFixed(1)} ms`);
          } finally {
            session.close();
          }
        }),
      ),
    );
  mutex
    .command('state')
    .description("every peer's view of the mutex")
    .option('--peer <id>', 'the peer to ask for the members', peerId, 1)
    .action(
      action(async (options: { peer: number }, command: Command) => {
        const context = CliContext.of(command);
        const states = await onEveryMember(command, MutexServiceClient, options.peer, (client) =>
          unaryCall(client, 'getState', {}),
        );
        for (const { peerId: id, result, error } of states) {
          if (result === undefined) {
            context.print({ peerId: id, error }, `peer-${id} unreachable: ${error}`);
            continue;
          }
          const parts = [`peer-${id} ${stateName(result.state).padEnd(8)}`, `entries ${result.entries}`];
          if (result.state !== MutexState.MUTEX_STATE_RELEASED) parts.push(`request ts ${result.requestTimestamp}`);
          if (result.awaitingPeerIds.length > 0) parts.push(`awaiting ${result.awaitingPeerIds.join(',')}`);
          if (result.deferredPeerIds.length > 0) parts.push(`deferred ${result.deferredPeerIds.join(',')}`);
          if (result.state === MutexState.MUTEX_STATE_HELD) parts.push(`token ${result.fencingToken}`);
          if (result.waitingClients > 0) parts.push(`${result.waitingClients} clients waiting`);
          context.print(result, parts.join('  '));
        }
      }),
    );
}
