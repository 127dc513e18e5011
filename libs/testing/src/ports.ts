import { createServer } from 'node:net';
import { credentials, makeClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health');

/** Polls grpc.health.v1 until the server answers SERVING, or rejects after `timeoutMs`. */
export async function waitForServing(address: string, timeoutMs = 30_000): Promise<void> {
  const client = new HealthClient(address, credentials.createInsecure()) as unknown as {
    check(
      request: object,
      options: object,
      callback: (error: ServiceError | null, response: { status: string }) => void,
    ): void;
    close(): void;
  };
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const status = await new Promise<string>((resolve) =>
        client.check({ service: '' }, { deadline: Date.now() + 1000 }, (error, response) =>
          resolve(error ? 'DOWN' : response.status),
        ),
      );
      if (status === 'SERVING') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${address} not SERVING within ${timeoutMs} ms`);
  } finally {
    client.close();
  }
}
