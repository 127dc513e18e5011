// h2load as a gRPC load generator: the same binary, flags and request body drive nginx and the balancer, so the two
// figures differ only by the proxy. h2load knows nothing of gRPC: it posts a body file and counts any HTTP 200 as a
// success, also when the grpc-status in the trailers is an error, so its count is checked against the backends' own.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ComputeRequest } from '@distlab/contracts/factorial/v1/factorial';

const run = promisify(execFile);

/** Where Debian's nghttp2-client installs h2load. */
export const H2LOAD = '/usr/bin/h2load';

/** What one h2load run measured. */
export interface H2loadResult {
  /** Requests per second over the measured period, as h2load prints it. */
  readonly callsPerSecond: number;
  /** Requests h2load counted as succeeded (HTTP 2xx with the stream ended cleanly). */
  readonly succeeded: number;
  /** Requests that failed or errored in h2load's eyes. */
  readonly failed: number;
  /** Mean time for a request, from h2load's "time for request" line. */
  readonly meanMs: number;
}

/**
 * Writes the request body h2load sends with every call: one gRPC message, that is the 5-byte prefix (not compressed,
 * then the length in big-endian) followed by the protobuf encoding of ComputeRequest{n}. Returns the file's path.
 */
export function writeComputeRequestBody(directory: string, n: number): string {
  const message = ComputeRequest.encode({ n: String(n) }).finish();
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(0, 0);
  prefix.writeUInt32BE(message.length, 1);
  const path = join(directory, `compute-${n}.bin`);
  writeFileSync(path, Buffer.concat([prefix, message]));
  return path;
}

/** Drives `url` from one connection with `inFlight` streams for `durationMs`, posting `bodyFile` on every call. */
export async function runH2load(options: {
  url: string;
  bodyFile: string;
  inFlight: number;
  durationMs: number;
  warmUpMs?: number;
}): Promise<H2loadResult> {
  const args = [
    '-c1',
    '-t1',
    `-m${options.inFlight}`,
    `-D${Math.max(1, Math.round(options.durationMs / 1000))}`,
    ...(options.warmUpMs === undefined ? [] : [`--warm-up-time=${Math.max(1, Math.round(options.warmUpMs / 1000))}`]),
    '-d',
    options.bodyFile,
    '-H',
    'content-type: application/grpc',
    '-H',
    'te: trailers',
    options.url,
  ];
  const { stdout } = await run(H2LOAD, args, { maxBuffer: 1024 * 1024, timeout: options.durationMs + 60_000 });
  return parseH2loadOutput(stdout);
}

const DURATION_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

/** Reads h2load's summary: "finished in …, N req/s", the "requests:" counts and the "time for request" mean. */
export function parseH2loadOutput(output: string): H2loadResult {
  const rate = /finished in [^,]+, ([\d.]+) req\/s/.exec(output);
  const counts = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(
    output,
  );
  const times = /time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)/.exec(output);
  if (rate === null || counts === null || times === null) {
    throw new Error(`h2load printed no summary (is the URL a gRPC server?):\n${output.slice(0, 2000)}`);
  }
  return {
    callsPerSecond: Number(rate[1]),
    succeeded: Number(counts[1]),
    failed: Number(counts[2]) + Number(counts[3]),
    meanMs: Number(times[5]) * DURATION_UNITS_MS[times[6]],
  };
}
