import { status, type ServiceError } from '@grpc/grpc-js';
import { FactorialServiceClient, type ComputeStreamResponse } from '@distlab/contracts/factorial/v1/factorial';
import { createClient, silentLogger, unaryCall } from '@distlab/grpc-kit';
import { startWorker } from './worker-server';

// FactorialService through the generated client against a real worker on 127.0.0.1:0.

/**
 * The last `count` digits of n! once its trailing zeros are removed, computed independently of the worker: the
 * product of 1..n with every factor 2 and 5 taken out, modulo 10^count, times the surplus twos.
 */
function lastNonZeroDigits(n: number, count: number): string {
  const modulus = 10n ** BigInt(count);
  let product = 1n;
  let twos = 0;
  for (let factor = 2; factor <= n; factor += 1) {
    let rest = factor;
    while (rest % 2 === 0) {
      rest /= 2;
      twos += 1;
    }
    while (rest % 5 === 0) {
      rest /= 5;
      twos -= 1;
    }
    product = (product * BigInt(rest)) % modulus;
  }
  let power = 1n;
  for (let two = 0; two < twos; two += 1) power = (power * 2n) % modulus;
  return ((product * power) % modulus).toString().padStart(count, '0');
}

let worker: Awaited<ReturnType<typeof startWorker>>;
let client: FactorialServiceClient;

beforeAll(async () => {
  worker = await startWorker({
    server: { host: '127.0.0.1', port: 0 },
    logger: silentLogger(),
    workerId: 'w-test',
    maxN: 1_000_000,
  });
  client = createClient(FactorialServiceClient, worker.address, { deadlineMs: 60_000 });
});

afterAll(async () => {
  client.close();
  await worker.shutdown(0);
});

function stream(n: number, chunkSize = 0): Promise<{ chunks: ComputeStreamResponse[]; digits: string }> {
  return new Promise((resolve, reject) => {
    const chunks: ComputeStreamResponse[] = [];
    const call = client.computeStream({ n: String(n), chunkSize });
    call.on('data', (chunk: ComputeStreamResponse) => chunks.push(chunk));
    call.on('error', reject);
    call.on('end', () => resolve({ chunks, digits: chunks.map((chunk) => chunk.digits).join('') }));
  });
}

describe('FactorialService.Compute', () => {
  it('answers 12! = 479001600, with its digit count and the worker that computed it', async () => {
    const response = await unaryCall(client, 'compute', { n: '12' });
    expect(response).toMatchObject({ n: '12', value: '479001600', digitCount: '9', workerId: 'w-test' });
    expect(response.computeDuration).toBeDefined();
  });

  it.each([
    ['a negative n', '-1', status.INVALID_ARGUMENT, 'n must not be negative (got -1)'],
    [
      'an n above the maximum',
      '1000001',
      status.OUT_OF_RANGE,
      'n must be at most 1000000 on this worker (got 1000001)',
    ],
    [
      'an n beyond 64 bits of JavaScript numbers',
      '9223372036854775807',
      status.OUT_OF_RANGE,
      'n must be at most 1000000',
    ],
  ])('refuses %s', async (_case, n, code, details) => {
    await expect(unaryCall(client, 'compute', { n })).rejects.toMatchObject({
      code,
      details: expect.stringContaining(details),
    });
  });

  it('answers RESOURCE_EXHAUSTED naming ComputeStream when the result exceeds one message', async () => {
    await expect(unaryCall(client, 'compute', { n: '800000' })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      details: expect.stringContaining('use ComputeStream'),
    });
  });

  it('stops computing when the deadline passes, and the pool serves the next call', async () => {
    await expect(unaryCall(client, 'compute', { n: '700000' }, { deadlineMs: 200 })).rejects.toMatchObject({
      code: status.DEADLINE_EXCEEDED,
    });
    for (let waited = 0; worker.engine.activeComputations > 0 && waited < 50; waited += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(worker.engine.activeComputations).toBe(0);
    // The aborted tasks' threads were stopped and replaced; a replacement loads its task code first (about 0.7 s here
    // unloaded, more under a full test run), so the next call gets a deadline that allows for that.
    await expect(unaryCall(client, 'compute', { n: '3000' }, { deadlineMs: 5000 })).resolves.toMatchObject({
      digitCount: '9131',
    });
  });
});

describe('FactorialService.ComputeStream', () => {
  it('streams 1000000! in order: 5565709 digits, the right leading digits and 249998 trailing zeros', async () => {
    const { chunks, digits } = await stream(1_000_000);
    expect(digits.length).toBe(5_565_709);
    expect(digits.startsWith('8263931688331240062376646103172666')).toBe(true);
    expect(digits.length - digits.replace(/0+$/, '').length).toBe(249_998);
    expect(digits.replace(/0+$/, '').slice(-10)).toBe(lastNonZeroDigits(1_000_000, 10));
    expect(chunks.every((chunk) => chunk.digitCount === '5565709' && chunk.workerId === 'w-test')).toBe(true);
    let offset = 0;
    for (const chunk of chunks) {
      expect(Number(chunk.offset)).toBe(offset);
      offset += chunk.digits.length;
    }
    expect(chunks[0].digits.length).toBe(65_536);
  }, 60_000);

  it('honours the chunk size and refuses one above 1 MiB', async () => {
    const { chunks, digits } = await stream(100, 50);
    expect(chunks.map((chunk) => chunk.digits.length)).toEqual([50, 50, 50, 8]);
    expect(digits).toBe((await unaryCall(client, 'compute', { n: '100' })).value);
    await expect(stream(10, 2_000_000)).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    } as Partial<ServiceError>);
  });
});
