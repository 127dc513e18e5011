import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ElectionServiceClient, ElectionServiceService } from '@distlab/contracts/election/v1/election';
import { Code, silentLogger, unaryCall } from '@distlab/grpc-kit';
import { silentLinkProxy, type SilentLinkProxy } from '@distlab/testing';
import { EventLog, LogicalClocks, MessageStamper, PeerLinks } from './index';

// The keepalive of the links' channels (PEER_CHANNEL_OPTIONS), through a proxy that counts what a client sends and can
// cut the link silently: an idle connection is not pinged (idle peers send nothing), and the first call on one whose
// link was cut meanwhile pings at once, so the connection is dropped and the call fails long before its deadline.

const PEER = 2;
/** Far beyond the ping timeout (a second): a call that fails before it was failed by the dropped connection. */
const CALL_DEADLINE_MS = 20_000;
/** Longer than the keepalive interval (a second), so that an idle connection that pinged would have pinged. */
const IDLE_MS = 2_500;

describe('peer channels', () => {
  let server: Server;
  let proxy: SilentLinkProxy;
  let links: PeerLinks;

  beforeEach(async () => {
    server = new Server();
    server.addService(ElectionServiceService, {
      getLeader: (_call: unknown, callback: (error: null, response: object) => void) =>
        callback(null, { peerId: PEER, leaderId: PEER, term: '1', algorithm: 1, electionInProgress: false }),
    } as never);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    proxy = await silentLinkProxy(port);
    const stamper = new MessageStamper(new LogicalClocks(1), new EventLog({ peerId: 1 }), 1);
    links = new PeerLinks({
      stamper,
      members: new Map([[PEER, `127.0.0.1:${proxy.port}`]]),
      logger: silentLogger(),
    });
  });

  afterEach(() => {
    links.close();
    proxy.close();
    server.forceShutdown();
  });

  const getLeader = () =>
    unaryCall(links.client(ElectionServiceClient, PEER), 'getLeader', {}, { deadlineMs: CALL_DEADLINE_MS });

  it('sends nothing on a connection with no call open', async () => {
    await expect(getLeader()).resolves.toMatchObject({ leaderId: PEER });
    await new Promise((resolve) => setTimeout(resolve, 200)); // The call's last frames pass the proxy.
    const sent = proxy.bytesToServer;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    expect(proxy.bytesToServer).toBe(sent);
    await expect(getLeader()).resolves.toMatchObject({ leaderId: PEER }); // Still connected, and answered.
  });

  it(
    'pings at the first call on an idle connection: a link cut meanwhile drops it, failing the call early',
    async () => {
      await expect(getLeader()).resolves.toMatchObject({ leaderId: PEER });
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      proxy.cut();
      // UNAVAILABLE, not DEADLINE_EXCEEDED: the unanswered ping dropped the connection before the call's deadline.
      await expect(getLeader()).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    },
    2 * CALL_DEADLINE_MS,
  );
});
