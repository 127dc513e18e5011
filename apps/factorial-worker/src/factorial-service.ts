import { once, type EventEmitter } from 'node:events';
import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { FactorialServiceServer } from '@distlab/contracts/factorial/v1/factorial';
import { Code, createHandlers, msToDuration, StatusError, type Logger } from '@distlab/grpc-kit';
import { estimateDigits, type FactorialEngine } from './compute/factorial-engine';

const CHUNK_DEFAULT = 65_536;
const CHUNK_MAX = 1_048_576;
/** Room left in a Compute response for its other fields. */
const RESPONSE_OVERHEAD_BYTES = 1024;

/**
 * The factorial service's one status mapping: an aborted computation (the client cancelled, or its deadline passed)
 * is CANCELLED; grpc-js has already told the client, so this only ends the handler. Validation answers
 * INVALID_ARGUMENT and OUT_OF_RANGE where the input is read.
 */
function factorialErrorToStatus(error: unknown): StatusError | undefined {
  if ((error as Error)?.name === 'AbortError') return new StatusError(Code.CANCELLED, 'computation cancelled');
  return undefined;
}

export interface FactorialServiceOptions {
  engine: FactorialEngine;
  /** Read at each call: the worker learns its address (and so its default id) only once it listens. */
  readonly workerId: string;
  maxN: number;
  maxMessageBytes: number;
  logger: Logger;
}

export function factorialService(options: FactorialServiceOptions): FactorialServiceServer {
  const handlers = createHandlers({ logger: options.logger, mapError: factorialErrorToStatus });
  const { engine } = options;

  const parseN = (value: string): number => {
    const n = BigInt(value);
    if (n < 0n) throw new StatusError(Code.INVALID_ARGUMENT, `n must not be negative (got ${n})`);
    if (n > BigInt(options.maxN)) {
      throw new StatusError(Code.OUT_OF_RANGE, `n must be at most ${options.maxN} on this worker (got ${n})`);
    }
    return Number(n);
  };

  /** Computes n!, aborting the pool's work as soon as the call is cancelled or its deadline passes. */
  const compute = async (n: number, call: ServerUnaryCall<unknown, unknown>) => {
    const cancellation = abortWhenCancelled(call);
    try {
      const startedAt = performance.now();
      const value = await engine.factorial(n, cancellation.signal);
      return { value, elapsedMs: performance.now() - startedAt };
    } finally {
      cancellation.release();
    }
  };

  return {
    compute: handlers.unary(async (request, call) => {
      const n = parseN(request.n);
      const limit = options.maxMessageBytes - RESPONSE_OVERHEAD_BYTES;
      const tooLarge = (digits: number) =>
        new StatusError(
          Code.RESOURCE_EXHAUSTED,
          `${n}! has ${digits} digits, more than one message holds (${limit} bytes): use ComputeStream`,
        );
      // Refuse before computing when the size is known to be too large; the exact check follows the computation.
      if (estimateDigits(n) > limit + 16) throw tooLarge(estimateDigits(n));
      const { value, elapsedMs } = await compute(n, call);
      if (value.length > limit) throw tooLarge(value.length);
      return {
        n: String(n),
        value,
        digitCount: String(value.length),
        workerId: options.workerId,
        computeDuration: msToDuration(elapsedMs),
      };
    }),
    computeStream: handlers.serverStream(async (request, call) => {
      const n = parseN(request.n);
      if (request.chunkSize > CHUNK_MAX) {
        throw new StatusError(
          Code.INVALID_ARGUMENT,
          `chunk_size must be at most ${CHUNK_MAX} (got ${request.chunkSize})`,
        );
      }
      const chunkSize = request.chunkSize === 0 ? CHUNK_DEFAULT : request.chunkSize;
      const cancellation = abortWhenCancelled(call);
      try {
        // Chunks go out as each part of n! is converted, high digits first; a part's tail that does not fill a chunk
        // waits for the next part, so every chunk but the last holds exactly chunkSize digits.
        let pending = '';
        let offset = 0;
        let digitCount = '';
        const send = async (digits: string) => {
          const flowing = call.write({ digits, offset: String(offset), digitCount, workerId: options.workerId });
          offset += digits.length;
          // Respect flow control: a slow reader makes this wait instead of buffering the whole number in memory.
          if (!flowing) await drainedOrCancelled(call);
        };
        for await (const part of engine.decimalParts(n, cancellation.signal)) {
          digitCount = String(part.totalDigits);
          pending += part.digits;
          let start = 0;
          for (; pending.length - start >= chunkSize && !call.cancelled; start += chunkSize) {
            await send(pending.slice(start, start + chunkSize));
          }
          pending = pending.slice(start);
          if (call.cancelled) return;
        }
        if (pending.length > 0) await send(pending);
      } finally {
        cancellation.release();
      }
    }),
  };
}

/** A signal that aborts when the call is cancelled (by the client, or its deadline passing); release() unhooks it. */
function abortWhenCancelled(call: EventEmitter): { signal: AbortSignal; release: () => void } {
  const abort = new AbortController();
  const onCancelled = () => abort.abort();
  call.on('cancelled', onCancelled);
  return { signal: abort.signal, release: () => call.off('cancelled', onCancelled) };
}

/**
 * Waits until a stream can take more, or its call is cancelled. Both waits are taken back when either ends: a stream
 * of many small chunks waits thousands of times, and listeners left behind would pile up on the call (the fuzz test
 * found exactly that).
 */
async function drainedOrCancelled(call: EventEmitter): Promise<void> {
  const settled = new AbortController();
  const wait = (event: string) => once(call, event, { signal: settled.signal }).catch(() => undefined);
  try {
    await Promise.race([wait('drain'), wait('cancelled')]);
  } finally {
    settled.abort();
  }
}
