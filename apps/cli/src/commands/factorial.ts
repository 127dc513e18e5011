import type { Command } from 'commander';
import {
  ComputeResponse,
  FactorialServiceClient,
  type ComputeStreamResponse,
} from '@distlab/contracts/factorial/v1/factorial';
import { createClient, durationToMs, unaryCall } from '@distlab/grpc-kit';
import { InvalidArgumentError } from 'commander';
import { action, CliContext } from '../context';

function naturalNumber(value: string): string {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`n must be a whole number, 0 or more (got "${value}")`);
  return BigInt(value).toString();
}

/**
 * `distlab factorial N`: n! through the balancer (by default), with the worker that answered. The digits go to stdout
 * and the summary to stderr, so `distlab factorial 100000 > digits.txt` keeps just the number. `--stream` uses
 * ComputeStream for results too large for one message, showing progress on a terminal.
 */
export function factorialCommand(program: Command): void {
  program
    .command('factorial')
    .description('compute n! exactly (FactorialService, through the balancer unless --target says otherwise)')
    .argument('<n>', 'a whole number, 0 or more', naturalNumber)
    .option('--stream', 'receive the digits in chunks (needed beyond about 769,000!)')
    .action(
      action(async (n: string, options: { stream?: boolean }, command: Command) => {
        const context = CliContext.of(command);
        const client = createClient(
          FactorialServiceClient,
          context.target(context.ports.balancer),
          context.clientSettings(),
        );
        try {
          if (options.stream) {
            await streamDigits(client, n, context.json);
            return;
          }
          const response = await unaryCall(client, 'compute', { n });
          if (context.json) {
            context.print(ComputeResponse.toJSON(response), '');
            return;
          }
          process.stdout.write(`${response.value}\n`);
          const elapsedMs = durationToMs(response.computeDuration, 0).toFixed(1);
          process.stderr.write(
            `${n}! has ${response.digitCount} digits; computed by ${response.workerId} in ${elapsedMs} ms\n`,
          );
        } finally {
          client.close();
        }
      }),
    );
}

function streamDigits(client: FactorialServiceClient, n: string, json: boolean): Promise<void> {
  const showProgress = !json && process.stderr.isTTY === true;
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    let received = 0;
    let last: ComputeStreamResponse | undefined;
    const call = client.computeStream({ n, chunkSize: 0 });
    call.on('data', (chunk: ComputeStreamResponse) => {
      last = chunk;
      received += chunk.digits.length;
      if (json) {
        process.stdout.write(
          `${JSON.stringify({ offset: chunk.offset, digits: chunk.digits, digitCount: chunk.digitCount, workerId: chunk.workerId })}\n`,
        );
      } else {
        process.stdout.write(chunk.digits);
      }
      if (showProgress) {
        const percent = Math.floor((100 * received) / Number(chunk.digitCount));
        process.stderr.write(`\r${percent}% of ${chunk.digitCount} digits`);
      }
    });
    call.on('error', reject);
    call.on('end', () => {
      if (!json) {
        process.stdout.write('\n');
        const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
        process.stderr.write(
          `${showProgress ? '\r' : ''}${n}! has ${last?.digitCount ?? received} digits; streamed by ${last?.workerId ?? '?'} in ${seconds} s\n`,
        );
      }
      resolve();
    });
  });
}
