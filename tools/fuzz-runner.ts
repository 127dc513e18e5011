// Runs the fuzzer (libs/testing) in a process of its own, one JSON report per line: jest's module sandbox makes grpc-js several
// times slower, and a fuzz run is thousands of calls.
//
//   node --conditions=@distlab/source --import tsx tools/fuzz-runner.ts <address> <requests> <seed> <deadlineMs> <service>...
import { serviceDescriptor } from '@distlab/contracts';
import { fuzzService } from '@distlab/testing';

async function main(): Promise<void> {
  const [address, requests, seed, deadlineMs, ...services] = process.argv.slice(2);
  for (const [index, service] of services.entries()) {
    const report = await fuzzService(address, serviceDescriptor(service), {
      requests: Number(requests),
      seed: Number(seed) + index,
      deadlineMs: Number(deadlineMs),
    });
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
