// The floor under the mutex figures: Ricart–Agrawala's message pattern between five processes on bare grpc-js
// bidirectional streams, one per ordered pair as MutexService.Exchange uses them, and nothing else. No protobuf (a
// message is 9 bytes: kind, Lamport timestamp, sender), no clocks in metadata, no event log, no interceptors, no
// heartbeats. Measured two ways:
//   - each process requests for itself, so an entry is exactly its 2(N − 1) messages (the textbook's processes);
//   - clients lock through the processes, as the lab's clients do on a MutexService.Session: a client stream per peer
//     carries one-byte frames (the client's ACQUIRE and RELEASE, the peer's GRANTED and RELEASED), and a peer holds
//     the critical section for its client from GRANTED until RELEASE. These are the floors of the rows the targets
//     name, lock+unlock through a client and entries per second with a client per peer.
//
// What the peer bench measures on a real cluster is that plus everything the lab asks of a message; the gap between
// the two is the cost of that, and these rows are what no implementation on grpc-js could beat on the same machine in
// the same run.
//
// Used by apps/peer's cluster.bench.ts and the anchor bench (libs/anchor-bench). The processes are
// bare-ricart-agrawala-peer.ts, forked once per peer with this process's Node flags (tsx, source conditions).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { extname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  ACQUIRE,
  BarePeerClient,
  openStream,
  RELEASE,
  type BareStream,
  type Command,
  type Report,
} from './bare-ricart-agrawala-peer';

const PEERS = 5;
const UNCONTENDED_ENTRIES = 2_000;
/**
 * How many entries or cycles every latency row here and in cluster.bench.ts runs before it measures: enough for V8 to
 * optimize the hot paths of every process, so that the rows are a long-running service's steady state. A fresh five-peer
 * cluster took 40–60% longer per lock+unlock over its first thousand cycles than a warm one beside it in the same run,
 * and the same from about 1,500 cycles on.
 */
export const WARM_UP_CYCLES = 2_000;
const CONTENDED_MS = 5_000;
const PHASE_LIMIT_MS = 20_000;
/** The forked process's file, beside this one (TypeScript under tsx, JavaScript once built). */
const PEER_ENTRY = join(__dirname, `bare-ricart-agrawala-peer${extname(__filename)}`);

/** A client of one peer's Lock stream, in this (the bench's) process: each step waits for the peer's answer. */
export class BareLockClient {
  private readonly client: grpc.Client;
  private readonly stream: BareStream;
  private answered: (() => void) | undefined;

  constructor(address: string) {
    this.client = new BarePeerClient(address, grpc.credentials.createInsecure());
    this.stream = openStream(this.client, 'lock');
    this.stream.on('data', () => {
      const answered = this.answered;
      this.answered = undefined;
      answered?.();
    });
    this.stream.on('error', () => undefined);
  }

  /** One lock+unlock: ACQUIRE until GRANTED, then RELEASE until RELEASED. */
  async cycle(): Promise<void> {
    await this.ask(ACQUIRE);
    await this.ask(RELEASE);
  }

  close(): void {
    this.stream.end();
    this.client.close();
  }

  private ask(kind: number): Promise<void> {
    return new Promise((resolve) => {
      this.answered = resolve;
      this.stream.write(Buffer.of(kind));
    });
  }
}

/** A contended phase: its entries (`value`), how long it took, and the CPU the processes used (undefined off Linux). */
export interface ContendedPhase {
  value: number;
  elapsedMs: number;
  cpuMs: number | undefined;
}

/** Runs a phase, reading the CPU time of `pids` around it (the bench's measurePhase, from @distlab/testing). */
export type PhaseMeasurer = (pids: readonly number[], phase: () => Promise<number>) => Promise<ContendedPhase>;

/** What the floor measured, each process for itself and through clients. */
export interface BareFigures {
  /** Uncontended, one process for itself: from its request to its entry. */
  acquireMs: number[];
  /** All five for themselves. */
  contended: ContendedPhase;
  /** Uncontended, one client through peer 1: a whole lock+unlock, as the client sees it. */
  lockUnlockMs: number[];
  /** A client per peer, each locking and unlocking as fast as it can (the processes' CPU includes this one's). */
  clientsContended: ContendedPhase;
}

/**
 * The five bare processes, started once and kept for several measurements: the anchor bench measures the floor in
 * every round beside the systems it compares, without paying the processes' start-up each time.
 */
export class BareRicartAgrawala {
  private readonly lockClients: BareLockClient[] = [];

  private constructor(
    private readonly children: ChildProcess[],
    readonly addresses: readonly string[],
  ) {}

  /** Forks the five processes (bare-ricart-agrawala-peer.ts, with this process's Node flags) and connects them to each other. */
  static async start(): Promise<BareRicartAgrawala> {
    const children: ChildProcess[] = Array.from({ length: PEERS }, (_, index) =>
      fork(PEER_ENTRY, ['bare-peer', String(index + 1)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
    );
    const bare = new BareRicartAgrawala(children, []);
    try {
      const ports = (await bare.all('listening')) as Extract<Report, { kind: 'listening' }>[];
      const addresses = ports.map((report) => `127.0.0.1:${report.port}`);
      const connected = bare.all('connected');
      const connect: Command = {
        kind: 'connect',
        addresses: Object.fromEntries(addresses.map((address, index) => [index + 1, address])),
      };
      for (const child of children) child.send(connect);
      await connected;
      return new BareRicartAgrawala(children, addresses);
    } catch (error) {
      await bare.close();
      throw error;
    }
  }

  /** The process ids of the five, for their CPU time. */
  get pids(): number[] {
    return this.children.map((child) => child.pid ?? 0);
  }

  /** Each process for itself: `requesters` of them request as fast as they can; each one's acquire latencies. */
  async run(requesters: number, maxEntries: number, forMs: number): Promise<number[][]> {
    const ran = this.all('ran');
    this.children.forEach((child, index) =>
      child.send({ kind: 'run', requester: index < requesters, maxEntries, forMs } satisfies Command),
    );
    return ((await ran) as Extract<Report, { kind: 'ran' }>[]).map((report) => report.acquireMs);
  }

  /** A client of peer `index + 1`'s Lock stream, made on first use and kept. */
  lockClient(index: number): BareLockClient {
    while (this.lockClients.length < this.addresses.length)
      this.lockClients.push(new BareLockClient(this.addresses[this.lockClients.length]));
    return this.lockClients[index];
  }

  /**
   * Uncontended lock+unlock through a client of peer 1, as a lab client locks: `cycles` of them after `warmUpCycles`,
   * each one's latency, within `limitMs`.
   */
  async lockUnlock(cycles: number, warmUpCycles = WARM_UP_CYCLES, limitMs = PHASE_LIMIT_MS): Promise<number[]> {
    const client = this.lockClient(0);
    const latencies: number[] = [];
    const stopAt = performance.now() + limitMs;
    for (let cycle = 0; cycle < warmUpCycles + cycles && performance.now() < stopAt; cycle += 1) {
      const started = performance.now();
      await client.cycle();
      if (cycle >= warmUpCycles) latencies.push(performance.now() - started);
    }
    return latencies;
  }

  /** A client per process, each locking and unlocking as fast as it can for `forMs`: how many entries in all. */
  async clientsContending(forMs: number): Promise<number> {
    let entries = 0;
    const until = performance.now() + forMs;
    await Promise.all(
      this.addresses.map(async (_, index) => {
        const client = this.lockClient(index);
        for (; performance.now() < until; entries += 1) await client.cycle();
      }),
    );
    return entries;
  }

  /** Ends the clients and the five processes, and waits for them to exit. */
  async close(): Promise<void> {
    for (const client of this.lockClients.splice(0)) client.close();
    for (const child of this.children) if (child.connected) child.send({ kind: 'exit' } satisfies Command);
    await Promise.all(this.children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
  }

  private all(kind: Report['kind']): Promise<Report[]> {
    return Promise.all(this.children.map((child) => nextReport(child, kind)));
  }
}

function nextReport(child: ChildProcess, kind: Report['kind']): Promise<Report> {
  return new Promise<Report>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${kind} within ${PHASE_LIMIT_MS} ms`)), PHASE_LIMIT_MS);
    const onMessage = (report: Report) => {
      if (report.kind !== kind) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(report);
    };
    child.on('message', onMessage);
  });
}

/**
 * Forks the five processes and runs four phases (after warm-ups): uncontended and contended, each process for itself,
 * then both again through clients. `measured` reads the processes' CPU time around a phase (given by the bench, so
 * that the forked processes load nothing more than grpc-js).
 */
export async function bareRicartAgrawala(measured: PhaseMeasurer): Promise<BareFigures> {
  const bare = await BareRicartAgrawala.start();
  try {
    const pids = bare.pids;
    await bare.run(1, WARM_UP_CYCLES, PHASE_LIMIT_MS);
    const [acquireMs] = await bare.run(1, UNCONTENDED_ENTRIES, PHASE_LIMIT_MS);
    const contended = await measured(pids, async () => {
      const reports = await bare.run(PEERS, Number.MAX_SAFE_INTEGER, CONTENDED_MS);
      return reports.reduce((sum, report) => sum + report.length, 0);
    });
    // Through clients: one on peer 1 alone, then one per peer.
    const lockUnlockMs = await bare.lockUnlock(UNCONTENDED_ENTRIES);
    const clientsContended = await measured([...pids, process.pid], () => bare.clientsContending(CONTENDED_MS));
    return { acquireMs, contended, lockUnlockMs, clientsContended };
  } finally {
    await bare.close();
  }
}
