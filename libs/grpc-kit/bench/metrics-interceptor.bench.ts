// What the metrics interceptor adds to each call a kit server handles, measured on in-memory calls (no socket), side
// by side with its anchor in the same run: a bare ServerInterceptingCall, the least any interceptor costs. Rounds
// alternate so that the machine's load falls on both alike. Run: npx nx bench grpc-kit
import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { metricsInterceptor } from '../src/metrics';

const CALLS_PER_ROUND = 200_000;
const ROUNDS = 5;
// The interceptor touches only these members of the call it wraps.
const call = { start: () => undefined, sendStatus: () => undefined } as never;
const unary = { path: '/distlab.greeter.v1.GreeterService/SayHello', requestStream: false, responseStream: false };
const anchor: ServerInterceptor = (_method, inner) =>
  new ServerInterceptingCall(inner, { sendStatus: (status, next) => next(status) });

function microsecondsPerCall(interceptor: ServerInterceptor, calls: number): number {
  const startedAt = performance.now();
  for (let index = 0; index < calls; index += 1) interceptor(unary as never, call).sendStatus({ code: 0, details: '' });
  return ((performance.now() - startedAt) * 1000) / calls;
}

const metrics = metricsInterceptor();
microsecondsPerCall(metrics, CALLS_PER_ROUND / 4); // Warm both up before measuring.
microsecondsPerCall(anchor, CALLS_PER_ROUND / 4);
const measured = { metrics: [] as number[], anchor: [] as number[] };
for (let round = 0; round < ROUNDS; round += 1) {
  measured.metrics.push(microsecondsPerCall(metrics, CALLS_PER_ROUND));
  measured.anchor.push(microsecondsPerCall(anchor, CALLS_PER_ROUND));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const [withMetrics, bare] = [median(measured.metrics), median(measured.anchor)];
console.log(`metrics interceptor      ${withMetrics.toFixed(2)} µs per call (median of ${ROUNDS} rounds)`);
console.log(`bare intercepting call   ${bare.toFixed(2)} µs per call (the anchor)`);
console.log(`added by metrics         ${(withMetrics - bare).toFixed(2)} µs per call`);
