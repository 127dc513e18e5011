import { Server, ServerCredentials, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ChaosServiceService, GetFaultsResponse } from '@distlab/contracts/chaos/v1/chaos';
import { GetTimeResponse, TimeServiceService } from '@distlab/contracts/clock/v1/time';
import { ClusterServiceService, ListMembersResponse } from '@distlab/contracts/cluster/v1/cluster';
import { ElectionServiceService, GetLeaderResponse } from '@distlab/contracts/election/v1/election';
import { GetStateResponse, MutexServiceService, MutexState } from '@distlab/contracts/mutex/v1/mutex';
import { msToDuration } from '@distlab/grpc-kit';
import { LiveSystem } from './index';

// The live view follows each peer's state on WatchState (the real peers' case is the browser test). A peer of an older
// version answers it UNIMPLEMENTED: the view then polls that peer's Get calls, as it did before the stream, and shows
// the same state.

/** Answers a unary call with `response`, counting it in `calls`. */
const answer = (name: string, response: object, calls: Map<string, number>) => ({
  [name]: (_call: unknown, callback: (error: null, response: object) => void) => {
    calls.set(name, (calls.get(name) ?? 0) + 1);
    callback(null, response);
  },
});

it('polls a peer that has no WatchState, and shows its state', async () => {
  const calls = new Map<string, number>();
  const server = new Server();
  const implement = (service: object, implementation: object) =>
    server.addService(service as never, implementation as UntypedServiceImplementation);
  // Everything the view reads but WatchState (and WatchEvents), as an older peer 1 would answer it.
  implement(ClusterServiceService, {
    ...answer(
      'listMembers',
      ListMembersResponse.fromPartial({ peerId: 1, incarnation: '1', members: [{ peerId: 1, incarnation: '1' }] }),
      calls,
    ),
  });
  const held = { peerId: 1, state: MutexState.MUTEX_STATE_HELD, fencingToken: '42', entries: '7' };
  implement(MutexServiceService, { ...answer('getState', GetStateResponse.fromPartial(held), calls) });
  const leader = GetLeaderResponse.fromPartial({ peerId: 1, leaderId: 1, term: '3' });
  implement(ElectionServiceService, { ...answer('getLeader', leader, calls) });
  const faults = GetFaultsResponse.fromPartial({ peerId: 1, paused: true });
  implement(ChaosServiceService, { ...answer('getFaults', faults, calls) });
  const time = GetTimeResponse.fromPartial({ peerId: 1, offsetFromSystem: msToDuration(-400) });
  implement(TimeServiceService, { ...answer('getTime', time, calls) });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const system = new LiveSystem({ seedPeer: `127.0.0.1:${port}`, clientSettings: {} });
  try {
    await system.start();
    const peer = () => system.view({ canControlProcesses: false, processNames: [], demos: [] }).peers[0];
    for (const deadline = Date.now() + 30_000; peer()?.clockOffsetMs === undefined && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(peer()).toMatchObject({
      peerId: 1,
      leaderId: 1,
      term: 3,
      paused: true,
      clockOffsetMs: -400,
      mutex: { state: 'held', fencingToken: '42', entries: '7' },
    });
    // Polled, and again after the interval: it is read, not sent.
    for (const deadline = Date.now() + 30_000; (calls.get('getState') ?? 0) < 2 && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.get('getState')).toBeGreaterThanOrEqual(2);
  } finally {
    system.stop();
    server.forceShutdown();
  }
}, 60_000);
