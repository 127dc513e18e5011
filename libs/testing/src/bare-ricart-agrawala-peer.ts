// One process of the bare Ricart–Agrawala floor (see bare-ricart-agrawala.ts): the algorithm's message pattern on bare
// grpc-js bidirectional streams, 9-byte frames, nothing else. Forked five times by BareRicartAgrawala, which drives it
// over IPC (Command in, Report out); this file also holds the wire both sides share.
import * as grpc from '@grpc/grpc-js';

const REQUEST = 1;
const REPLY = 2;
export const ACQUIRE = 1;
export const RELEASE = 2;
const GRANTED = 3;
export const RELEASED = 4;

const raw = (value: Buffer) => value;
const bidirectional = (name: string) => ({
  path: `/bench.BarePeer/${name}`,
  requestStream: true,
  responseStream: true,
  requestSerialize: raw,
  requestDeserialize: raw,
  responseSerialize: raw,
  responseDeserialize: raw,
});
const barePeerService: grpc.ServiceDefinition = { exchange: bidirectional('Exchange'), lock: bidirectional('Lock') };
export const BarePeerClient = grpc.makeGenericClientConstructor(barePeerService, 'BarePeer');
export type BareStream = grpc.ClientDuplexStream<Buffer, Buffer>;
export const openStream = (client: grpc.Client, method: 'exchange' | 'lock') =>
  (client as unknown as Record<typeof method, () => BareStream>)[method]();

export type Command =
  | { kind: 'connect'; addresses: Record<number, string> }
  | { kind: 'run'; requester: boolean; maxEntries: number; forMs: number }
  | { kind: 'exit' };
export type Report = { kind: 'listening'; port: number } | { kind: 'connected' } | { kind: 'ran'; acquireMs: number[] };

/** One process: the Ricart–Agrawala rules, for itself (a `run` phase) or for the clients on its Lock streams. */
function runPeer(self: number): void {
  const outgoing = new Map<number, BareStream>();
  let clock = 0;
  let requestedAt: number | undefined; // our request's timestamp while we want in or hold the section
  let replies = 0;
  let deferred: number[] = [];
  let phase: { entriesLeft: number; stopAt: number; acquireMs: number[]; startedMs: number } | undefined;
  const waitingClients: Array<grpc.ServerDuplexStream<Buffer, Buffer>> = [];
  let holder: grpc.ServerDuplexStream<Buffer, Buffer> | undefined; // the client in the critical section

  const report = (message: Report) => process.send?.(message);
  const send = (to: number, kind: number, timestamp: number) => {
    const message = Buffer.alloc(9);
    message.writeUInt8(kind, 0);
    message.writeUInt32LE(timestamp, 1);
    message.writeUInt32LE(self, 5);
    outgoing.get(to)?.write(message);
  };
  const request = () => {
    clock += 1;
    requestedAt = clock;
    replies = 0;
    for (const peer of outgoing.keys()) send(peer, REQUEST, clock);
  };
  const exit = () => {
    requestedAt = undefined;
    for (const peer of deferred) send(peer, REPLY, clock);
    deferred = [];
  };
  const requestForItself = () => {
    if (phase === undefined || phase.entriesLeft === 0 || performance.now() > phase.stopAt) return finish();
    phase.startedMs = performance.now();
    request();
  };
  const entered = () => {
    if (phase === undefined) {
      // For a client: it holds the section until its RELEASE.
      holder = waitingClients.shift();
      holder?.write(Buffer.of(GRANTED));
      return;
    }
    phase.acquireMs.push(performance.now() - phase.startedMs);
    phase.entriesLeft -= 1;
    exit();
    setImmediate(requestForItself);
  };
  const finish = () => {
    if (phase === undefined) return;
    report({ kind: 'ran', acquireMs: phase.acquireMs });
    phase = undefined;
  };
  const receive = (message: Buffer) => {
    const [kind, timestamp, from] = [message.readUInt8(0), message.readUInt32LE(1), message.readUInt32LE(5)];
    clock = Math.max(clock, timestamp) + 1;
    if (kind === REPLY) {
      replies += 1;
      if (replies === outgoing.size) entered();
      return;
    }
    const oursFirst =
      requestedAt !== undefined &&
      (holder !== undefined || requestedAt < timestamp || (requestedAt === timestamp && self < from));
    if (oursFirst) deferred.push(from);
    else send(from, REPLY, clock);
  };
  const serveClient = (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    call.on('data', (frame: Buffer) => {
      if (frame[0] === ACQUIRE) {
        waitingClients.push(call);
        if (requestedAt === undefined) request();
      } else if (frame[0] === RELEASE && holder === call) {
        holder = undefined;
        exit();
        call.write(Buffer.of(RELEASED));
        if (waitingClients.length > 0) request();
      }
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  };

  const server = new grpc.Server();
  server.addService(barePeerService, {
    exchange: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', receive);
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
    lock: serveClient,
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    report({ kind: 'listening', port });
  });
  const clients: grpc.Client[] = [];
  process.on('message', (command: Command) => {
    if (command.kind === 'connect') {
      for (const [id, address] of Object.entries(command.addresses)) {
        if (Number(id) === self) continue;
        const client = new BarePeerClient(address, grpc.credentials.createInsecure());
        clients.push(client);
        const stream = openStream(client, 'exchange');
        stream.on('data', () => undefined);
        stream.on('error', () => undefined);
        outgoing.set(Number(id), stream);
      }
      report({ kind: 'connected' });
    } else if (command.kind === 'run') {
      // A peer that does not request only answers, as it always does: it has nothing to measure.
      if (!command.requester) return void report({ kind: 'ran', acquireMs: [] });
      phase = {
        entriesLeft: command.maxEntries,
        stopAt: performance.now() + command.forMs,
        acquireMs: [],
        startedMs: 0,
      };
      requestForItself();
    } else {
      for (const stream of outgoing.values()) stream.end();
      for (const client of clients) client.close();
      server.forceShutdown();
      process.exit(0);
    }
  });
}

if (process.argv[2] === 'bare-peer') runPeer(Number(process.argv[3]));
