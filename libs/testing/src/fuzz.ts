import { join } from 'node:path';
import { Client, credentials, Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import type { DescMethod, DescService } from '@bufbuild/protobuf';
import { fuzzInput, randomBytes, type Random } from './fuzz-messages';
import { formatTable, seededRandom } from './load';
import { spawnTypeScript, WORKSPACE_ROOT } from './processes';

/** What a fuzz run sent one service and what came back. */
export interface FuzzReport {
  service: string;
  sent: number;
  /** How many calls ended with each status. */
  statuses: Record<string, number>;
  /** The first message seen with each status, to tell what kind of refusal it was. */
  firstDetails: Record<string, string>;
  /** Calls whose status no contract allows (an INTERNAL from a handler, UNKNOWN, UNIMPLEMENTED…), with the method. */
  unexpected: string[];
}

export interface FuzzOptions {
  requests: number;
  seed: number;
  /** Each call's deadline: methods that wait (Acquire, elections, watches) end with DEADLINE_EXCEEDED. */
  deadlineMs?: number;
  inFlight?: number;
  /** Methods not to call (by name), e.g. those that would stop the target on purpose. */
  skip?: readonly string[];
  metadata?: Record<string, string>;
}

/**
 * Statuses a service may answer hostile input with. INTERNAL only for bytes grpc-js itself cannot decode as the
 * request type ("Error deserializing request"): a handler never answers INTERNAL on purpose, so any other INTERNAL is
 * a bug the fuzzer found.
 */
const SENSIBLE = new Set([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
  status.FAILED_PRECONDITION,
  status.OUT_OF_RANGE,
  status.RESOURCE_EXHAUSTED,
  status.DEADLINE_EXCEEDED,
  status.UNAVAILABLE,
  status.CANCELLED,
]);
const isSensible = (result: StatusObject) =>
  SENSIBLE.has(result.code) || (result.code === status.INTERNAL && /deserializ/i.test(result.details));

const identity = (value: Buffer) => value;

/**
 * Sends `requests` hostile requests, built from the service's descriptors, to every method of `service` at
 * `address` (round robin, `inFlight` at a time), plus one message over the 4 MiB limit per method, and reports the
 * statuses. Seeded: the same seed sends the same bytes.
 */
export async function fuzzService(address: string, service: DescService, options: FuzzOptions): Promise<FuzzReport> {
  const serviceName = service.typeName;
  const random = seededRandom(options.seed);
  const methods = service.methods.filter((method) => !(options.skip ?? []).includes(method.name));
  const client = new Client(address, credentials.createInsecure(), {
    'grpc.max_send_message_length': 8 * 1024 * 1024,
  });
  const report: FuzzReport = { service: serviceName, sent: 0, statuses: {}, firstDetails: {}, unexpected: [] };
  const record = (method: DescMethod, result: StatusObject) => {
    const name = status[result.code] ?? String(result.code);
    report.statuses[name] = (report.statuses[name] ?? 0) + 1;
    report.firstDetails[name] ??= `${method.name}: ${result.details}`;
    if (!isSensible(result) && report.unexpected.length < 20)
      report.unexpected.push(`${method.name}: ${name}: ${result.details}`);
  };
  const deadlineMs = options.deadlineMs ?? 1_000;
  const callOnce = (method: DescMethod, input: Uint8Array, timeoutMs = deadlineMs) =>
    new Promise<StatusObject>((resolve) => {
      const path = `/${serviceName}/${method.name}`;
      const metadata = new Metadata();
      for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
      const callOptions = { deadline: Date.now() + timeoutMs };
      const bytes = Buffer.from(input);
      if (method.methodKind === 'unary') {
        const call = client.makeUnaryRequest(path, identity, identity, bytes, metadata, callOptions, () => undefined);
        call.on('status', resolve);
      } else if (method.methodKind === 'server_streaming') {
        const call = client.makeServerStreamRequest(path, identity, identity, bytes, metadata, callOptions);
        call.on('data', () => undefined);
        call.on('error', (error: ServiceError) => void error);
        call.on('status', resolve);
      } else {
        const call = client.makeBidiStreamRequest(path, identity, identity, metadata, callOptions);
        call.on('data', () => undefined);
        call.on('error', (error: ServiceError) => void error);
        call.on('status', resolve);
        call.write(bytes);
        if (random() < 0.5) call.write(Buffer.from(fuzzInput(method.input, random)));
        call.end();
      }
    });

  let next = 0;
  const worker = async () => {
    while (next < options.requests) {
      const index = next++;
      const method = methods[index % methods.length];
      record(method, await callOnce(method, fuzzInput(method.input, random)));
      report.sent += 1;
    }
  };
  await Promise.all(Array.from({ length: options.inFlight ?? 8 }, worker));
  for (const method of methods) {
    // Five seconds to send 5 MiB: the refusal, not the deadline, must end it, however busy the machine.
    const result = await callOnce(method, randomBytes(random as Random, 5 * 1024 * 1024), 5_000);
    report.sent += 1;
    record(method, result);
    if (result.code !== status.RESOURCE_EXHAUSTED && report.unexpected.length < 20)
      report.unexpected.push(`${method.name}: a 5 MiB request got ${status[result.code]}, not RESOURCE_EXHAUSTED`);
  }
  client.close();
  return report;
}

/**
 * Fuzzes `services` at `address` from a child process (tools/fuzz-runner.ts) and returns one report per service.
 */
export async function fuzzInChildProcess(
  address: string,
  services: readonly string[],
  options: { requests: number; seed: number; deadlineMs: number },
): Promise<FuzzReport[]> {
  const runner = spawnTypeScript(join(WORKSPACE_ROOT, 'tools', 'fuzz-runner.ts'), [
    address,
    String(options.requests),
    String(options.seed),
    String(options.deadlineMs),
    ...services,
  ]);
  const code = await runner.exited();
  if (code !== 0) throw new Error(`the fuzz runner failed (${code}): ${runner.stderr}`);
  return runner.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as FuzzReport);
}

/** The reports as one table: service, requests sent, and how many calls ended with each status. */
export function formatFuzzReports(title: string, reports: readonly FuzzReport[]): string {
  const rows = reports.map((report) => [
    report.service,
    report.sent,
    Object.entries(report.statuses)
      .map(([code, count]) => `${code} ${count}`)
      .join(', '),
  ]);
  return `${title}:\n${formatTable(['service', 'requests', 'statuses'], rows)}`;
}

/** The most requests per service FUZZ_REQUESTS may ask for: a soak is long, never unbounded. */
export const FUZZ_REQUESTS_MAX = 1_000_000;

/**
 * How many hostile requests a fuzz spec sends each service: the spec's own count, which keeps `npm test` fast, unless
 * the environment asks for a soak (`FUZZ_REQUESTS=10000`, as `npm run fuzz:soak` does). A malformed value fails
 * loudly instead of silently running the small count.
 */
export function fuzzRequestCount(specCount: number, env: NodeJS.ProcessEnv = process.env): number {
  const asked = env['FUZZ_REQUESTS'];
  if (asked === undefined || asked === '') return specCount;
  const count = Number(asked);
  if (!Number.isSafeInteger(count) || count < 1 || count > FUZZ_REQUESTS_MAX) {
    throw new Error(
      `FUZZ_REQUESTS must be a whole number from 1 to ${FUZZ_REQUESTS_MAX} (got ${JSON.stringify(asked)})`,
    );
  }
  return count;
}

/** A fuzz test's time limit: the spec's budget for its own count, scaled up in proportion for a soak. */
export function fuzzTimeoutMs(specBudgetMs: number, specCount: number, requests = fuzzRequestCount(specCount)): number {
  return Math.ceil(specBudgetMs * Math.max(1, requests / specCount));
}
