import type { ClientReadableStream } from '@grpc/grpc-js';
import { createHealthClient, type ClientSettings, type HealthClient } from '@distlab/grpc-kit';
import type { HealthText } from './wire';

const RETRY_DELAY_MS = 1_000;

/**
 * grpc.health.v1 Watch on one process, opened again whenever it ends: the table shows each change as the server
 * reports it, and UNREACHABLE while no stream can be opened.
 */
export class HealthWatch {
  private readonly client: HealthClient;
  private stream: ClientReadableStream<{ status: string }> | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    address: string,
    settings: ClientSettings,
    private readonly onHealth: (health: HealthText) => void,
  ) {
    this.client = createHealthClient(address, settings);
  }

  start(): void {
    if (this.stopped) return;
    const stream = this.client.watch({ service: '' });
    this.stream = stream;
    stream.on('data', (response: { status: string }) => this.onHealth(response.status as HealthText));
    const again = () => {
      if (this.stopped || this.stream !== stream) return;
      this.stream = undefined;
      this.onHealth('UNREACHABLE');
      this.retryTimer = setTimeout(() => this.start(), RETRY_DELAY_MS);
    };
    stream.on('error', again);
    stream.on('end', again);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stream?.cancel();
    this.client.close();
  }
}
