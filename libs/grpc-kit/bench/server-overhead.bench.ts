// What a kit server costs per unary call beyond a bare grpc-js server, measured as server CPU time per call (so the
// machine's load, which stretches wall time, moves it little): the same trivial SayHello handler on (a) a bare
// grpc-js Server and (b) createHandlers + startServer (call log, metrics, request gate, health, reflection). Each
// server runs in a child process of its own; this process drives both with one grpc-js client, IN_FLIGHT calls at a
// time, rounds alternating, and reads each child's process.cpuUsage() before and after its round.
//
// Run: npx nx bench grpc-kit   (or directly, with --cpu-prof to write a CPU profile of each server to
// libs/grpc-kit/bench/profiles/{bare,kit}/; profiling slows the kit more than the bare server, so read the ratio
// from a run without it:  node --conditions=@distlab/source --import tsx
// libs/grpc-kit/bench/server-overhead.bench.ts --calls 20000 --rounds 5 --cpu-prof)
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { GreeterServiceClient } from '@distlab/contracts/greeter/v1/greeter';

const args = process.argv.slice(2);
const argument = (name: string, fallback: number) => {
  const index = args.indexOf(name);
  return index === -1 ? fallback : Number(args[index + 1]);
};
const CALLS_PER_ROUND = argument('--calls', 10_000);
const ROUNDS = argument('--rounds', 5);
const IN_FLIGHT = 16;
const DEADLINE_MS = 30_000;
const profile = args.includes('--cpu-prof');

interface Variant {
  name: 'bare' | 'kit';
  child: ChildProcess;
  client: InstanceType<typeof GreeterServiceClient>;
  microsPerCall: number[];
}

async function startVariant(name: Variant['name']): Promise<Variant> {
  const execArgv = ['--conditions=@distlab/source', '--import', 'tsx'];
  if (profile)
    execArgv.push('--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${join(__dirname, 'profiles', name)}`);
  const child = fork(join(__dirname, 'server-overhead-server.ts'), [name], { execArgv, stdio: 'inherit' });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  const client = new GreeterServiceClient(`127.0.0.1:${ready.port}`, credentials.createInsecure());
  return { name, child, client, microsPerCall: [] };
}

async function childCpuMicros(child: ChildProcess): Promise<number> {
  const reply = once(child, 'message') as Promise<[{ cpuMicros: number }]>;
  child.send('cpu');
  return (await reply)[0].cpuMicros;
}

/** `calls` SayHello calls, IN_FLIGHT at a time; every answer is checked. */
async function drive(variant: Variant, calls: number): Promise<void> {
  let issued = 0;
  const worker = async () => {
    while (issued < calls) {
      issued += 1;
      await new Promise<void>((resolve, reject) =>
        variant.client.sayHello(
          { name: 'bench' },
          new Metadata(),
          { deadline: Date.now() + DEADLINE_MS },
          (error, response) =>
            error ? reject(error) : response.message === 'Hello, bench!' ? resolve() : reject(new Error('bad answer')),
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

async function measureRound(variant: Variant): Promise<void> {
  const before = await childCpuMicros(variant.child);
  await drive(variant, CALLS_PER_ROUND);
  const after = await childCpuMicros(variant.child);
  variant.microsPerCall.push((after - before) / CALLS_PER_ROUND);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const variants: Variant[] = [];
  try {
    variants.push(await startVariant('bare'), await startVariant('kit'));
    for (const variant of variants) await drive(variant, CALLS_PER_ROUND / 2); // Warm up the JIT of both.
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternate which goes first, so that a burst of load elsewhere falls on both alike.
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) await measureRound(variant);
    }
    const [bare, kit] = variants.map((variant) => median(variant.microsPerCall));
    const rounds = (variant: Variant) => variant.microsPerCall.map((value) => value.toFixed(1)).join(' ');
    console.log(
      `server CPU per unary call, ${CALLS_PER_ROUND} calls per round, ${IN_FLIGHT} in flight, median of ${ROUNDS} rounds`,
    );
    console.log(`bare grpc-js   ${bare.toFixed(1)} µs   (rounds: ${rounds(variants[0])})`);
    console.log(`grpc-kit       ${kit.toFixed(1)} µs   (rounds: ${rounds(variants[1])})`);
    console.log(
      `ratio          ${(kit / bare).toFixed(2)}×   added by the kit: ${(kit - bare).toFixed(1)} µs per call`,
    );
  } finally {
    for (const variant of variants) {
      variant.client.close();
      variant.child.disconnect();
    }
  }
}

void main();
