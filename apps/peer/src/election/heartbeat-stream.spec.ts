import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  ElectionServiceService,
  type HeartbeatStreamRequest,
  type HeartbeatStreamResponse,
} from '@distlab/contracts/election/v1/election';
import { Code, silentLogger } from '@distlab/grpc-kit';
import { EventLog, LogicalClocks, MessageStamper, PeerLinks } from '../messaging';
import { silentLinkProxy } from '@distlab/testing';
import { HeartbeatStream } from './heartbeat-stream';

// A follower's HeartbeatStream against a stand-in leader on 127.0.0.1:0 (a real grpc-js server): heartbeats
// share one stream and are answered on it; a leader that goes away as at kill -9, one cut off without a reset (a
// silent link, through a proxy that stops forwarding), and one that stops answering (paused) are each noticed, within
// a bound that does not depend on this machine's speed; and after each, the next heartbeat opens a new stream.

const POLL_MS = 10;
const BOUND_MS = 10_000;
/** Peer 5 leads; this follower is peer 1. */
const LEADER = 5;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + BOUND_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${BOUND_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** A leader's heartbeat endpoint: answers as a leader of term 7, until `silent` (a paused leader holds its answers). */
interface Leader {
  port: number;
  streams: number;
  beats: HeartbeatStreamRequest[];
  silent: boolean;
  /** Goes away as a killed process does: connections cut, streams not ended. */
  kill(): void;
}

async function leader(): Promise<Leader> {
  const server = new Server();
  const state: Leader = { port: 0, streams: 0, beats: [], silent: false, kill: () => server.forceShutdown() };
  server.addService(ElectionServiceService, {
    heartbeatStream: (call: ServerDuplexStream<HeartbeatStreamRequest, HeartbeatStreamResponse>) => {
      state.streams += 1;
      call.on('data', (beat: HeartbeatStreamRequest) => {
        state.beats.push(beat);
        if (!state.silent) call.write({ beatId: beat.beatId, peerId: LEADER, leaderId: LEADER, term: '7' });
      });
      call.on('end', () => call.end());
    },
  } as never);
  state.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return state;
}

function linksTo(port: number): PeerLinks {
  const stamper = new MessageStamper(new LogicalClocks(1), new EventLog({ peerId: 1 }), 1);
  return new PeerLinks({ stamper, members: new Map([[LEADER, `127.0.0.1:${port}`]]), logger: silentLogger() });
}

describe('HeartbeatStream', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const step of cleanup.splice(0)) step();
  });

  function follower(port: number, broken: number[]): HeartbeatStream {
    const links = linksTo(port);
    const stream = new HeartbeatStream(links, (peerId) => broken.push(peerId), 250);
    cleanup.push(() => (stream.close(), links.close()));
    return stream;
  }

  it('sends every heartbeat on one stream and resolves each to its answer', async () => {
    const at = await leader();
    cleanup.push(at.kill);
    const stream = follower(at.port, []);
    for (let beat = 0; beat < 3; beat += 1)
      await expect(stream.beat(LEADER, 7)).resolves.toEqual({ leader: 5, term: 7 });
    expect(at.streams).toBe(1);
    expect(at.beats.map((beat) => [beat.fromPeerId, beat.term])).toEqual([
      [1, '7'],
      [1, '7'],
      [1, '7'],
    ]);
  });

  it('reports a leader that goes away between heartbeats (its connection closes, as at kill -9) at once', async () => {
    const at = await leader();
    const broken: number[] = [];
    const stream = follower(at.port, broken);
    await stream.beat(LEADER, 7);
    at.kill();
    await until(() => broken.length > 0, 'the broken stream reported');
    expect(broken).toEqual([LEADER]);
    // The probe that follows finds nobody: it fails rather than waiting.
    await expect(stream.beat(LEADER, 7)).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });

  it('opens the stream as soon as it follows a leader, and so reports one that goes away before any heartbeat', async () => {
    const at = await leader();
    const broken: number[] = [];
    const stream = follower(at.port, broken);
    stream.follow(LEADER);
    await until(() => at.streams === 1, 'the stream opened');
    expect(at.beats).toEqual([]);
    at.kill();
    await until(() => broken.length > 0, 'the broken stream reported');
    expect(broken).toEqual([LEADER]);
  });

  it('fails a heartbeat whose leader goes away before answering, without reporting the break twice', async () => {
    const at = await leader();
    const broken: number[] = [];
    const stream = follower(at.port, broken);
    await stream.beat(LEADER, 7);
    at.silent = true;
    const pending = stream.beat(LEADER, 7);
    await until(() => at.beats.length === 2, 'the second heartbeat received');
    at.kill();
    await expect(pending).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    expect(broken).toEqual([]); // The failed heartbeat already tells the driver.
  });

  it('fails a heartbeat that a paused leader does not answer, and opens a new stream on a new connection', async () => {
    const at = await leader();
    cleanup.push(at.kill);
    const proxy = await silentLinkProxy(at.port);
    cleanup.push(proxy.close);
    const stream = follower(proxy.port, []);
    await stream.beat(LEADER, 7);
    at.silent = true;
    await expect(stream.beat(LEADER, 7)).rejects.toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    at.silent = false;
    await expect(stream.beat(LEADER, 7)).resolves.toEqual({ leader: 5, term: 7 });
    expect(at.streams).toBe(2);
    // The old connection may be the stalled one: the new stream does not inherit it.
    expect(proxy.connections).toBe(2);
  });

  it('reports a leader cut off without a reset: its connection misses the fast keepalive pings and is dropped', async () => {
    const at = await leader();
    cleanup.push(at.kill);
    const proxy = await silentLinkProxy(at.port);
    cleanup.push(proxy.close);
    const broken: number[] = [];
    const stream = follower(proxy.port, broken);
    await stream.beat(LEADER, 7);
    proxy.cut(); // Nothing closes: only the keepalive pings, unanswered, can tell.
    await until(() => broken.length > 0, 'the silent link reported');
    expect(broken).toEqual([LEADER]);
  });

  it('heartbeats a leader of an older version, without HeartbeatStream, by unary calls, and takes it for alive', async () => {
    const server = new Server();
    let unaryBeats = 0;
    server.addService(ElectionServiceService, {
      heartbeat: (_call: unknown, callback: (error: null, response: object) => void) => {
        unaryBeats += 1;
        callback(null, { peerId: LEADER, leaderId: LEADER, term: '7' });
      },
    } as never);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    cleanup.push(() => server.forceShutdown());
    const broken: number[] = [];
    const stream = follower(port, broken);
    stream.follow(LEADER); // The stream it opens is refused UNIMPLEMENTED: no sign of a dead leader.
    for (let beat = 0; beat < 3; beat += 1)
      await expect(stream.beat(LEADER, 7)).resolves.toEqual({ leader: 5, term: 7 });
    expect(unaryBeats).toBe(3);
    expect(broken).toEqual([]);
  });

  it('closes the stream to a former leader, and reports nothing once closed', async () => {
    const at = await leader();
    const broken: number[] = [];
    const stream = follower(at.port, broken);
    await stream.beat(LEADER, 7);
    stream.follow(3); // Peer 3 leads now: the stream to 5 goes.
    await until(() => at.beats.length === 1 && at.streams === 1, 'one stream seen');
    const again = stream.beat(LEADER, 7);
    await expect(again).resolves.toEqual({ leader: 5, term: 7 });
    expect(at.streams).toBe(2);
    stream.close();
    at.kill();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(broken).toEqual([]);
    await expect(stream.beat(LEADER, 7)).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });
});
