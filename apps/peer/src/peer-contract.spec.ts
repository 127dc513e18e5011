import { status, type StatusObject } from '@grpc/grpc-js';
import { SyncAlgorithm, TimeServiceClient } from '@distlab/contracts/clock/v1/time';
import { ClusterServiceClient } from '@distlab/contracts/cluster/v1/cluster';
import {
  ElectionAlgorithm,
  ElectionServiceClient,
  type HeartbeatStreamRequest,
  type HeartbeatStreamResponse,
} from '@distlab/contracts/election/v1/election';
import { MutexServiceClient, MutexState } from '@distlab/contracts/mutex/v1/mutex';
import {
  createClient,
  durationToMs,
  msToDuration,
  silentLogger,
  unaryCall,
  type RunningServer,
} from '@distlab/grpc-kit';
import { freePort } from '@distlab/testing';
import { startPeer } from './peer-server';

// The contracts of TimeService, MutexService, ElectionService and ClusterService on three in-process peers: every
// documented error is answered with its status and a useful message, and the peers keep serving afterwards.

const ids = [1, 2, 3];
const addresses = new Map<number, string>();
const servers: RunningServer[] = [];
const closers: Array<{ close(): void }> = [];

beforeAll(async () => {
  for (const id of ids) addresses.set(id, `127.0.0.1:${await freePort()}`);
  for (const id of ids) {
    const others = new Map([...addresses].filter(([other]) => other !== id));
    const port = Number(addresses.get(id)!.split(':')[1]);
    servers.push(
      await startPeer({
        id,
        server: { host: '127.0.0.1', port },
        logger: silentLogger(),
        peers: others,
        mutexMaxWaitingClients: 2,
      }),
    );
  }
});

afterAll(async () => {
  for (const client of closers) client.close();
  await Promise.all(servers.map((server) => server.shutdown(0)));
});

function client<C extends { close(): void }>(Constructor: Parameters<typeof createClient>[0], id = 1): C {
  const made = createClient(Constructor, addresses.get(id)!, { maxAttempts: 1 }) as unknown as C;
  closers.push(made);
  return made;
}
const mutex = (id = 1) => client<MutexServiceClient>(MutexServiceClient, id);
const rejection = (code: status, detail: string) => ({ code, details: expect.stringContaining(detail) });

describe('MutexService', () => {
  it('grants, reports the hold, releases, and refuses a token it does not hold', async () => {
    const grant = await unaryCall(mutex(), 'acquire', { lease: msToDuration(5_000), clientName: 'contract' });
    const state = await unaryCall(mutex(), 'getState', {});
    expect(state).toMatchObject({
      peerId: 1,
      state: MutexState.MUTEX_STATE_HELD,
      fencingToken: grant.fencingToken,
      memberPeerIds: [1, 2, 3],
    });
    await unaryCall(mutex(), 'release', { fencingToken: grant.fencingToken });
    await expect(unaryCall(mutex(), 'release', { fencingToken: grant.fencingToken })).rejects.toMatchObject(
      rejection(status.FAILED_PRECONDITION, `fencing token ${grant.fencingToken} is not held here`),
    );
    const next = await unaryCall(mutex(2), 'acquire', { lease: undefined, clientName: '' });
    expect(Number(next.fencingToken)).toBeGreaterThan(Number(grant.fencingToken));
    await unaryCall(mutex(2), 'release', { fencingToken: next.fencingToken });
  });

  it('releases a hold whose lease ran out', async () => {
    const grant = await unaryCall(mutex(), 'acquire', { lease: msToDuration(100), clientName: 'short' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await unaryCall(mutex(), 'getState', {})).state).toBe(MutexState.MUTEX_STATE_RELEASED);
    await expect(unaryCall(mutex(), 'release', { fencingToken: grant.fencingToken })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
    });
  });

  it('answers the documented errors', async () => {
    await expect(unaryCall(mutex(), 'acquire', { lease: msToDuration(50), clientName: '' })).rejects.toMatchObject(
      rejection(status.INVALID_ARGUMENT, 'lease must be 100 ms to 5 min'),
    );
    await expect(
      unaryCall(mutex(), 'acquire', { lease: undefined, clientName: 'x'.repeat(101) }),
    ).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'client_name'));
    await expect(
      unaryCall(mutex(), 'request', { fromPeerId: 0, timestamp: '1', incarnation: '1' }),
    ).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'from_peer_id must be a peer id'));
    await expect(
      unaryCall(mutex(), 'request', { fromPeerId: 2, timestamp: '0', incarnation: '1' }),
    ).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'timestamp'));
    await expect(
      unaryCall(mutex(), 'request', { fromPeerId: 9, timestamp: '5', incarnation: '1' }),
    ).rejects.toMatchObject(rejection(status.FAILED_PRECONDITION, 'peer 9 is not a member'));
  });

  it('refuses a client beyond the waiting limit with RESOURCE_EXHAUSTED, and keeps serving the others', async () => {
    const holder = await unaryCall(mutex(2), 'acquire', { lease: msToDuration(5_000), clientName: 'holder' });
    const waiting = [1, 2].map((index) =>
      unaryCall(mutex(), 'acquire', { lease: undefined, clientName: `waiter-${index}` }),
    );
    // Both wait on peer 1 before the third comes (polled, not a fixed sleep: a loaded machine may take longer).
    for (const stopAt = Date.now() + 10_000; Date.now() < stopAt;) {
      if ((await unaryCall(mutex(), 'getState', {})).waitingClients === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await expect(unaryCall(mutex(), 'acquire', { lease: undefined, clientName: 'one too many' })).rejects.toMatchObject(
      rejection(status.RESOURCE_EXHAUSTED, '2 clients already wait on this peer'),
    );
    await unaryCall(mutex(2), 'release', { fencingToken: holder.fencingToken });
    for (const grant of waiting) await unaryCall(mutex(), 'release', { fencingToken: (await grant).fencingToken });
  });

  it('withdraws a waiting client whose deadline passes, so it leaves no orphaned claim', async () => {
    const holder = await unaryCall(mutex(2), 'acquire', { lease: msToDuration(5_000), clientName: 'holder' });
    await expect(
      unaryCall(mutex(), 'acquire', { lease: undefined, clientName: 'impatient' }, { deadlineMs: 200 }),
    ).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });
    expect((await unaryCall(mutex(), 'getState', {})).waitingClients).toBe(0);
    await unaryCall(mutex(2), 'release', { fencingToken: holder.fencingToken });
    // Peer 1's request was out when its client left: it enters and leaves at once, and the lock is free again.
    const after = await unaryCall(mutex(3), 'acquire', { lease: undefined, clientName: 'next' }, { deadlineMs: 5_000 });
    await unaryCall(mutex(3), 'release', { fencingToken: after.fencingToken });
  });
});

describe('ElectionService', () => {
  const election = (id = 1) => client<ElectionServiceClient>(ElectionServiceClient, id);

  it('elects the highest id, by Bully and by Ring', async () => {
    for (const algorithm of [ElectionAlgorithm.ELECTION_ALGORITHM_BULLY, ElectionAlgorithm.ELECTION_ALGORITHM_RING]) {
      const started = await unaryCall(election(), 'startElection', { algorithm, wait: true });
      expect(started.leaderId).toBe(3);
      const view = await unaryCall(election(2), 'getLeader', {});
      expect(view).toMatchObject({ peerId: 2, leaderId: 3 });
    }
  });

  it('answers the documented errors', async () => {
    await expect(
      unaryCall(election(), 'startElection', {
        algorithm: ElectionAlgorithm.ELECTION_ALGORITHM_UNSPECIFIED,
        wait: false,
      }),
    ).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'algorithm must be'));
    await expect(unaryCall(election(), 'election', { candidateId: 0, term: '1' })).rejects.toMatchObject(
      rejection(status.INVALID_ARGUMENT, 'candidate_id'),
    );
    await expect(
      unaryCall(election(), 'ringElection', { initiatorId: 2, term: '1', participantIds: [] }),
    ).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'participant_ids must not be empty'));
    const heartbeat = await unaryCall(election(), 'heartbeat', { fromPeerId: 2, term: '0' });
    expect(heartbeat).toMatchObject({ peerId: 1, leaderId: 3 });
    // A stranger announcing itself for a far newer term is refused, and the leader stays.
    await expect(unaryCall(election(), 'coordinator', { leaderId: 9, term: '1000000' })).rejects.toMatchObject(
      rejection(status.FAILED_PRECONDITION, 'peer 9 is not a member'),
    );
    await expect(unaryCall(election(), 'heartbeat', { fromPeerId: 9, term: '0' })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
    });
    expect(await unaryCall(election(), 'getLeader', {})).toMatchObject({ leaderId: 3 });
  });

  /** Opens a HeartbeatStream on peer 1, sends `beats`, half-closes, and collects the answers and the final status. */
  async function heartbeatStream(beats: HeartbeatStreamRequest[]) {
    const call = election().heartbeatStream();
    const answers: HeartbeatStreamResponse[] = [];
    call.on('data', (answer: HeartbeatStreamResponse) => answers.push(answer));
    call.on('error', () => undefined); // The status says it.
    const ended = new Promise<StatusObject>((resolve) => call.on('status', resolve));
    for (const beat of beats) call.write(beat);
    call.end();
    const { code, details } = await ended;
    return { answers, code, details };
  }

  it('answers heartbeats on a stream, each naming its beat, as Heartbeat answers them', async () => {
    const { answers, code } = await heartbeatStream([
      { beatId: '1', fromPeerId: 2, term: '0' },
      { beatId: '2', fromPeerId: 2, term: '0' },
    ]);
    expect(code).toBe(status.OK);
    expect(answers.map((answer) => [answer.beatId, answer.peerId, answer.leaderId])).toEqual([
      ['1', 1, 3],
      ['2', 1, 3],
    ]);
  });

  it('ends a heartbeat stream that breaks its contract with a clear status, and keeps serving', async () => {
    const bad: Array<[HeartbeatStreamRequest[], status, string]> = [
      [[{ beatId: '1', fromPeerId: 0, term: '0' }], status.INVALID_ARGUMENT, 'from_peer_id must be a peer id'],
      [[{ beatId: '1', fromPeerId: 9, term: '0' }], status.FAILED_PRECONDITION, 'peer 9 is not a member'],
      [[{ beatId: '1', fromPeerId: 2, term: '9007199254740993' }], status.INVALID_ARGUMENT, 'term must be'],
      [
        [
          { beatId: '1', fromPeerId: 2, term: '0' },
          { beatId: '2', fromPeerId: 3, term: '0' },
        ],
        status.INVALID_ARGUMENT,
        'from_peer_id must stay 2 along the stream',
      ],
    ];
    for (const [beats, code, detail] of bad) {
      const ended = await heartbeatStream(beats);
      expect({ code: ended.code, details: ended.details }).toMatchObject(rejection(code, detail));
      // What was sent before the bad heartbeat was answered; nothing after it.
      expect(ended.answers).toHaveLength(beats.length - 1);
    }
    // Streams opened and abandoned (cancelled, or never written to) leave nothing behind that refuses the next one.
    for (let opened = 0; opened < 20; opened += 1) {
      const call = election().heartbeatStream();
      call.on('error', () => undefined);
      if (opened % 2 === 0) call.cancel();
    }
    const { answers, code } = await heartbeatStream([{ beatId: '1', fromPeerId: 2, term: '0' }]);
    expect([code, answers.length]).toEqual([status.OK, 1]);
    expect(await unaryCall(election(), 'getLeader', {})).toMatchObject({ leaderId: 3 });
  });
});

describe('TimeService', () => {
  const time = (id = 1) => client<TimeServiceClient>(TimeServiceClient, id);

  it('reads the clock to the nanosecond and runs Cristian and Berkeley', async () => {
    const reading = await unaryCall(time(), 'getTime', {});
    expect(BigInt(reading.unixNanos) / 1_000_000n).toBe(BigInt(reading.time!.getTime()));
    const cristian = await unaryCall(time(2), 'synchronize', {
      algorithm: SyncAlgorithm.SYNC_ALGORITHM_CRISTIAN,
      timeServerPeerId: 1,
      samples: 3,
      maxDeviation: undefined,
    });
    expect(cristian.readings).toHaveLength(1);
    const berkeley = await unaryCall(time(), 'synchronize', {
      algorithm: SyncAlgorithm.SYNC_ALGORITHM_BERKELEY,
      timeServerPeerId: 0,
      samples: 0,
      maxDeviation: undefined,
    });
    expect(berkeley.readings.map((entry) => [entry.peerId, entry.error])).toEqual([
      [2, ''],
      [3, ''],
    ]);
  });

  it('answers the documented errors', async () => {
    const sync = (request: Partial<Parameters<TimeServiceClient['synchronize']>[0]>) =>
      unaryCall(time(), 'synchronize', {
        algorithm: SyncAlgorithm.SYNC_ALGORITHM_CRISTIAN,
        timeServerPeerId: 0,
        samples: 0,
        maxDeviation: undefined,
        ...request,
      });
    await expect(sync({ algorithm: SyncAlgorithm.SYNC_ALGORITHM_UNSPECIFIED })).rejects.toMatchObject(
      rejection(status.INVALID_ARGUMENT, 'algorithm must be'),
    );
    await expect(sync({ samples: 33 })).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'samples'));
    await expect(sync({ timeServerPeerId: 7 })).rejects.toMatchObject(rejection(status.NOT_FOUND, 'no time server'));
    await expect(
      unaryCall(time(), 'adjustTime', { round: '1', adjustment: msToDuration(2 * 3_600_000), masterPeerId: 2 }),
    ).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'within ±1 h'));
    await expect(
      unaryCall(time(), 'adjustTime', { round: '1', adjustment: msToDuration(1), masterPeerId: 0 }),
    ).rejects.toMatchObject(rejection(status.INVALID_ARGUMENT, 'master_peer_id'));
    // A stranger's round does not move the clock (a master of another cluster, a stray process).
    const offsetMs = async () => durationToMs((await unaryCall(time(), 'getTime', {})).offsetFromSystem, 0);
    const before = await offsetMs();
    await expect(
      unaryCall(time(), 'adjustTime', { round: '1', adjustment: msToDuration(250), masterPeerId: 9 }),
    ).rejects.toMatchObject(rejection(status.FAILED_PRECONDITION, 'peer 9 is not a member'));
    expect(Math.abs((await offsetMs()) - before)).toBeLessThan(1);
    // A round applied once is not applied twice (a retried or late duplicate instruction).
    const round = String(Date.now() + 60_000);
    await unaryCall(time(), 'adjustTime', { round, adjustment: msToDuration(0.5), masterPeerId: 2 });
    await expect(
      unaryCall(time(), 'adjustTime', { round, adjustment: msToDuration(0.5), masterPeerId: 2 }),
    ).rejects.toMatchObject(rejection(status.FAILED_PRECONDITION, 'not newer than round'));
  });
});

describe('ClusterService', () => {
  const cluster = (id = 1) => client<ClusterServiceClient>(ClusterServiceClient, id);

  it('lists the members, refuses to remove a live one, and validates every request', async () => {
    const listed = await unaryCall(cluster(), 'listMembers', {});
    expect(listed.members.map((member) => member.peerId)).toEqual([1, 2, 3]);
    await expect(unaryCall(cluster(), 'removeMember', { peerId: 2 })).rejects.toMatchObject(
      rejection(status.FAILED_PRECONDITION, 'still answers'),
    );
    await expect(unaryCall(cluster(), 'removeMember', { peerId: 8 })).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(unaryCall(cluster(), 'removeMember', { peerId: 1 })).rejects.toMatchObject(
      rejection(status.INVALID_ARGUMENT, "this peer's own id"),
    );
    await expect(unaryCall(cluster(), 'addMember', { peerId: 4, address: 'nowhere' })).rejects.toMatchObject(
      rejection(status.INVALID_ARGUMENT, 'host:port'),
    );
    await expect(
      unaryCall(cluster(), 'announce', { peerId: 9, incarnation: '1', address: '127.0.0.1:1' }),
    ).rejects.toMatchObject(rejection(status.FAILED_PRECONDITION, 'not a member'));
  });
});
