// One load-generating thread of runLoad: it builds its operation and warms it up (module loading, connecting), says
// it is ready, and on "start" runs `loops` closed loops, each calling the operation until the time or count bound,
// recording each call's latency. Only the time after "start" is measured.
import { parentPort, workerData } from 'node:worker_threads';

interface WorkerSpec {
  module: string;
  target: string;
  loops: number;
  durationMs: number;
  maxCallsPerLoop: number;
  seed: number;
}

const WARM_UP_CALLS = 20;

async function main(): Promise<void> {
  const spec = workerData as WorkerSpec;
  const loaded = (await import(spec.module)) as {
    createOperation: (target: string, seed: number) => () => Promise<void>;
  };
  const operation = loaded.createOperation(spec.target, spec.seed);
  for (let warmUp = 0; warmUp < WARM_UP_CALLS; warmUp += 1) await operation().catch(() => undefined);
  parentPort!.postMessage({ ready: true });
  await new Promise((resolve) => parentPort!.once('message', resolve));
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const endAt = performance.now() + spec.durationMs;
  const loop = async () => {
    for (let calls = 0; calls < spec.maxCallsPerLoop && performance.now() < endAt; calls += 1) {
      const startedAt = performance.now();
      try {
        await operation();
        latencies.push(performance.now() - startedAt);
      } catch (error) {
        errors += 1;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.loops }, loop));
  parentPort!.postMessage({ latenciesMs: Float64Array.from(latencies), errors, firstError });
  process.exit(0);
}

void main();
