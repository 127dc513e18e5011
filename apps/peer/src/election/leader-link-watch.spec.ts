// LeaderLinkWatch against a real grpc-js server on 127.0.0.1:0: it says nothing while the connection stays up, and
// calls back when the server goes away (as a leader's process does at kill -9), which is what lets a follower probe a
// dead leader at once instead of at its next heartbeat.
import * as grpc from '@grpc/grpc-js';
import { ElectionServiceClient } from '@distlab/contracts/election/v1/election';
import { LeaderLinkWatch } from './leader-link-watch';

const POLL_MS = 10;
const BOUND_MS = 10_000;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + BOUND_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${BOUND_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('LeaderLinkWatch', () => {
  let server: grpc.Server;
  let client: ElectionServiceClient;

  beforeEach(async () => {
    server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = new ElectionServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterEach(() => {
    client.close();
    server.forceShutdown();
  });

  it('connects to the leader, stays quiet while the link is up, and reports the link lost when the leader goes', async () => {
    const lost: number[] = [];
    const watch = new LeaderLinkWatch(
      () => ({ channel: client.getChannel(), close: () => undefined }),
      (peerId) => lost.push(peerId),
    );
    watch.follow(5);
    await until(() => client.getChannel().getConnectivityState(false) === grpc.connectivityState.READY, 'ready');
    expect(lost).toEqual([]);

    server.forceShutdown();
    await until(() => lost.length > 0, 'the lost link reported');
    expect(lost[0]).toBe(5);
    watch.stop();
  });

  it('reports nothing once stopped, and watches nobody for an undefined leader', async () => {
    const lost: number[] = [];
    const watch = new LeaderLinkWatch(
      () => ({ channel: client.getChannel(), close: () => undefined }),
      (peerId) => lost.push(peerId),
    );
    watch.follow(5);
    await until(() => client.getChannel().getConnectivityState(false) === grpc.connectivityState.READY, 'ready');
    watch.follow(undefined);
    server.forceShutdown();
    await until(() => client.getChannel().getConnectivityState(false) !== grpc.connectivityState.READY, 'link down');
    expect(lost).toEqual([]);
  });
});
