// The floor under the mutex figures: Ricart–Agrawala's message pattern between five processes on bare grpc-js
// bidirectional streams, one per ordered pair as MutexService.Exchange uses them, and nothing else. No protobuf (a
// message is 9 bytes: kind, Lamport timestamp, sender), no clocks in metadata, no event log, no interceptors, no
// client sessions, no heartbeats. Each process requests for itself, so an entry is exactly its 2(N − 1) messages.
//
// What the peer bench measures on a real cluster is that plus everything the lab asks of a message, plus the
// client's own round trips; the gap between the two is the cost of those, and this row is what no implementation on
// grpc-js could beat on the same machine in the same run.
//
// Run by cluster.bench.ts, which forks this file once per peer (the same Node flags: tsx, source conditions).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';

const PEERS = 5;
const UNCONTENDED_ENTRIES = 2_000;
const CONTENDED_MS = 5_000;
const PHASE_LIMIT_MS = 20_000;
const REQUEST = 1;
const REPLY = 2;

const raw = (value: Buffer) => value;
const exchangeService: grpc.ServiceDefinition = {
  exchange: {
    path: '/bench.BarePeer/Exchange',
    requestStream: true,
    responseStream: true,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  },
};

type Command =
  | { kind: 'connect'; addresses: Record<number, string> }
  | { kind: 'run'; requester: boolean; maxEntries: number; forMs: number }
  | { kind: 'exit' };
type Report = { kind: 'listening'; port: number } | { kind: 'connected' } | { kind: 'ran'; acquireMs: number[] };

/** One process: the Ricart–Agrawala rules, nothing more. */
function runPeer(self: number): void {
  const outgoing = new Map<number, grpc.ClientDuplexStream<Buffer, Buffer>>();
  let clock = 0;
  let requestedAt: number | undefined; // our request's timestamp while we want in
  let replies = 0;
  let deferred: number[] = [];
  let phase: { entriesLeft: number; stopAt: number; acquireMs: number[]; startedMs: number } | undefined;

  const report = (message: Report) => process.send?.(message);
  const send = (to: number, kind: number, timestamp: number) => {
    const message = Buffer.alloc(9);
    message.writeUInt8(kind, 0);
    message.writeUInt32LE(timestamp, 1);
    message.writeUInt32LE(self, 5);
    outgoing.get(to)?.write(message);
  };
  const request = () => {
    if (phase === undefined || phase.entriesLeft === 0 || performance.now() > phase.stopAt) return finish();
    phase.startedMs = performance.now();
    clock += 1;
    requestedAt = clock;
    replies = 0;
    for (const peer of outgoing.keys()) send(peer, REQUEST, clock);
  };
  const enterAndLeave = () => {
    if (phase === undefined) return;
    phase.acquireMs.push(performance.now() - phase.startedMs);
    phase.entriesLeft -= 1;
    requestedAt = undefined;
    for (const peer of deferred) send(peer, REPLY, clock);
    deferred = [];
    setImmediate(request);
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
      if (replies === outgoing.size) enterAndLeave();
      return;
    }
    const oursFirst =
      requestedAt !== undefined && (requestedAt < timestamp || (requestedAt === timestamp && self < from));
    if (oursFirst) deferred.push(from);
    else send(from, REPLY, clock);
  };

  const server = new grpc.Server();
  server.addService(exchangeService, {
    exchange: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', receive);
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    report({ kind: 'listening', port });
  });
  const Client = grpc.makeGenericClientConstructor(exchangeService, 'BarePeer');
  const clients: grpc.Client[] = [];
  process.on('message', (command: Command) => {
    if (command.kind === 'connect') {
      for (const [id, address] of Object.entries(command.addresses)) {
        if (Number(id) === self) continue;
        const client = new Client(address, grpc.credentials.createInsecure());
        clients.push(client);
        const stream = (client as unknown as { exchange(): grpc.ClientDuplexStream<Buffer, Buffer> }).exchange();
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
      request();
    } else {
      for (const stream of outgoing.values()) stream.end();
      for (const client of clients) client.close();
      server.forceShutdown();
      process.exit(0);
    }
  });
}

/** Forks the peers, runs the uncontended and the contended phase, and returns what they measured. */
export interface BareFigures {
  acquireMs: number[];
  entriesPerSecond: number;
  /** The contended phase: its entries, how long it took, and the CPU the five processes used (undefined off Linux). */
  contended: { entries: number; elapsedMs: number; cpuMs: number | undefined };
}

/**
 * Runs the five processes: an uncontended phase (one requester), then a contended one (all five). `cpuTimeMsOf` reads
 * the processes' CPU time (given by the bench, so that the forked processes load nothing more than grpc-js).
 */
export async function bareRicartAgrawala(cpuTimeMsOf: (pids: number[]) => number | undefined): Promise<BareFigures> {
  const children: ChildProcess[] = Array.from({ length: PEERS }, (_, index) =>
    fork(__filename, ['bare-peer', String(index + 1)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
  );
  const next = (child: ChildProcess, kind: Report['kind']) =>
    new Promise<Report>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${kind} within ${PHASE_LIMIT_MS} ms`)), PHASE_LIMIT_MS);
      const onMessage = (report: Report) => {
        if (report.kind !== kind) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(report);
      };
      child.on('message', onMessage);
    });
  const all = (kind: Report['kind']) => Promise.all(children.map((child) => next(child, kind)));
  try {
    const ports = (await all('listening')) as Extract<Report, { kind: 'listening' }>[];
    const addresses = Object.fromEntries(ports.map((report, index) => [index + 1, `127.0.0.1:${report.port}`]));
    const connected = all('connected');
    for (const child of children) child.send({ kind: 'connect', addresses } satisfies Command);
    await connected;
    const run = async (requesters: number, maxEntries: number, forMs: number) => {
      const ran = all('ran');
      children.forEach((child, index) =>
        child.send({ kind: 'run', requester: index < requesters, maxEntries, forMs } satisfies Command),
      );
      return (await ran) as Extract<Report, { kind: 'ran' }>[];
    };
    await run(1, 200, PHASE_LIMIT_MS); // warm-up
    const [uncontended] = await run(1, UNCONTENDED_ENTRIES, PHASE_LIMIT_MS);
    const pids = children.map((child) => child.pid!);
    const cpuBefore = cpuTimeMsOf(pids);
    const started = performance.now();
    const contended = await run(PEERS, Number.MAX_SAFE_INTEGER, CONTENDED_MS);
    const elapsedMs = performance.now() - started;
    const cpuAfter = cpuTimeMsOf(pids);
    const entries = contended.reduce((sum, report) => sum + report.acquireMs.length, 0);
    const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    return {
      acquireMs: uncontended.acquireMs,
      entriesPerSecond: entries / (elapsedMs / 1000),
      contended: { entries, elapsedMs, cpuMs },
    };
  } finally {
    for (const child of children) if (child.connected) child.send({ kind: 'exit' } satisfies Command);
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
  }
}

if (process.argv[2] === 'bare-peer') runPeer(Number(process.argv[3]));
