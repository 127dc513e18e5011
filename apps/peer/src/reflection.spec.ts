import { bufCurl, ReflectionOnlyClient, startPeerProcess, type ServerProcessHandle } from '@distlab/testing';

// A client that knows nothing but reflection lists, describes and calls every method of a real peer process, health
// included: buf curl resolves every type (google.protobuf.Timestamp among them) from the server alone.

let peer: ServerProcessHandle;
let url: string;

beforeAll(async () => {
  peer = await startPeerProcess(4);
  url = `http://${peer.address}`;
});

afterAll(async () => {
  peer.process.child.kill('SIGTERM');
  await peer.process.exited();
});

const EVERY_METHOD = [
  'distlab.chaos.v1.ChaosService/GetFaults',
  'distlab.chaos.v1.ChaosService/Heal',
  'distlab.chaos.v1.ChaosService/Pause',
  'distlab.chaos.v1.ChaosService/Resume',
  'distlab.chaos.v1.ChaosService/SetLinkFaults',
  'distlab.chat.v1.ChatService/Chat',
  'distlab.clock.v1.ClockService/Deliver',
  'distlab.clock.v1.ClockService/GetClock',
  'distlab.clock.v1.ClockService/ListEvents',
  'distlab.clock.v1.ClockService/LocalEvent',
  'distlab.clock.v1.ClockService/Send',
  'distlab.clock.v1.ClockService/WatchEvents',
  'distlab.clock.v1.TimeService/AdjustTime',
  'distlab.clock.v1.TimeService/GetTime',
  'distlab.clock.v1.TimeService/Synchronize',
  'distlab.cluster.v1.ClusterService/AddMember',
  'distlab.cluster.v1.ClusterService/Announce',
  'distlab.cluster.v1.ClusterService/ListMembers',
  'distlab.cluster.v1.ClusterService/RemoveMember',
  'distlab.cluster.v1.ClusterService/WatchState',
  'distlab.election.v1.ElectionService/Answer',
  'distlab.election.v1.ElectionService/Coordinator',
  'distlab.election.v1.ElectionService/Election',
  'distlab.election.v1.ElectionService/GetLeader',
  'distlab.election.v1.ElectionService/Heartbeat',
  'distlab.election.v1.ElectionService/HeartbeatStream',
  'distlab.election.v1.ElectionService/RingCoordinator',
  'distlab.election.v1.ElectionService/RingElection',
  'distlab.election.v1.ElectionService/StartElection',
  'distlab.greeter.v1.GreeterService/ExchangeObject',
  'distlab.greeter.v1.GreeterService/SayHello',
  'distlab.mutex.v1.MutexService/Acquire',
  'distlab.mutex.v1.MutexService/Exchange',
  'distlab.mutex.v1.MutexService/GetState',
  'distlab.mutex.v1.MutexService/Release',
  'distlab.mutex.v1.MutexService/Reply',
  'distlab.mutex.v1.MutexService/Request',
  'distlab.mutex.v1.MutexService/Session',
  'grpc.health.v1.Health/Check',
  'grpc.health.v1.Health/List',
  'grpc.health.v1.Health/Watch',
];

describe('a peer, through reflection only', () => {
  it('lists every method', async () => {
    const listed = await bufCurl(['--list-methods', url]);
    expect(listed.stdout.trim().split('\n').sort()).toEqual(EVERY_METHOD);
  });

  it('describes every service, with comments and imported types', async () => {
    const reflection = new ReflectionOnlyClient(peer.address);
    try {
      for (const service of [
        'distlab.greeter.v1.GreeterService',
        'distlab.chat.v1.ChatService',
        'grpc.health.v1.Health',
      ]) {
        const registry = await reflection.describe(service);
        expect(registry.getService(service)?.methods.length).toBeGreaterThan(0);
      }
      const chat = await reflection.describe('distlab.chat.v1.ChatResponse');
      const eventTime = chat
        .getMessage('distlab.chat.v1.ChatResponse')
        ?.fields.find((field) => field.name === 'event_time');
      expect(eventTime?.message?.typeName).toBe('google.protobuf.Timestamp');
    } finally {
      reflection.close();
    }
  });

  it('calls SayHello and ExchangeObject', async () => {
    const hello = await bufCurl(['-d', '{"name":"Ada"}', `${url}/distlab.greeter.v1.GreeterService/SayHello`]);
    expect(JSON.parse(hello.stdout)).toMatchObject({ message: 'Hello, Ada!', serverId: 'peer-4' });
    const exchanged = await bufCurl([
      '-d',
      '{"object":{"name":"gadget","value":"21"}}',
      `${url}/distlab.greeter.v1.GreeterService/ExchangeObject`,
    ]);
    expect(JSON.parse(exchanged.stdout)).toMatchObject({ object: { name: 'gadget', value: '42' } });
  });

  it('calls the Chat stream', async () => {
    const input = '{"join":{"room":"lab","user":"curl"}}\n{"post":{"text":"hello"}}\n';
    const chat = await bufCurl(['-d', '@-', `${url}/distlab.chat.v1.ChatService/Chat`], input);
    expect(chat.exitCode).toBe(0);
    expect(chat.stdout).toContain('"joined"');
  });

  it('calls Check, List and Watch of grpc.health.v1.Health', async () => {
    const check = await bufCurl(['-d', '{}', `${url}/grpc.health.v1.Health/Check`]);
    expect(JSON.parse(check.stdout)).toEqual({ status: 'SERVING' });
    const list = await bufCurl(['-d', '{}', `${url}/grpc.health.v1.Health/List`]);
    expect(Object.keys(JSON.parse(list.stdout).statuses)).toHaveLength(9);
    // Watch never ends by itself: the first status arrives, then the client's time limit ends the stream.
    const watch = await bufCurl(['--timeout', '1s', '-d', '{}', `${url}/grpc.health.v1.Health/Watch`]);
    expect(watch.stdout).toContain('"status": "SERVING"');
  });

  it('calls every ClockService method, stamps in headers included', async () => {
    const clock = `${url}/distlab.clock.v1.ClockService`;
    expect(
      JSON.parse((await bufCurl(['-d', '{"label":"by reflection"}', `${clock}/LocalEvent`])).stdout),
    ).toMatchObject({
      event: { label: 'by reflection', kind: 'EVENT_KIND_LOCAL' },
    });
    expect(JSON.parse((await bufCurl(['-d', '{}', `${clock}/GetClock`])).stdout)).toMatchObject({ peerId: 4 });
    const stamped = ['-H', 'distlab-sender: 9', '-H', 'distlab-lamport: 40', '-H', 'distlab-vector: 9:3'];
    const delivered = JSON.parse((await bufCurl([...stamped, '-d', '{"messageId":"m1"}', `${clock}/Deliver`])).stdout);
    expect(delivered).toMatchObject({
      event: { kind: 'EVENT_KIND_RECEIVE', remotePeerId: 9, stamp: { lamport: '41' } },
    });
    expect(
      JSON.parse((await bufCurl(['-d', '{"pageSize":1}', `${clock}/ListEvents`])).stdout).nextPageToken,
    ).toBeDefined();
    const watched = await bufCurl(['--timeout', '1s', '-d', '{}', `${clock}/WatchEvents`]);
    expect(watched.stdout).toContain('"label": "by reflection"');
    const send = await bufCurl(['-d', '{"toPeerId":2,"payload":"x"}', `${clock}/Send`]);
    expect(send.stderr).toContain('not_found');
  });

  it('gets the documented status for bad input', async () => {
    const empty = await bufCurl(['-d', '{"name":""}', `${url}/distlab.greeter.v1.GreeterService/SayHello`]);
    expect(empty.exitCode).not.toBe(0);
    expect(empty.stderr).toContain('invalid_argument');
  });
});
