import { status, type ClientReadableStream } from '@grpc/grpc-js';
import {
  checkHealth,
  createHealthClient,
  isServiceError,
  KEEPALIVE_CHANNEL_OPTIONS,
  type ClientSettings,
  type HealthClient,
  type ServingStatus,
} from '@distlab/grpc-kit';
import type { EndpointHealth } from './endpoint';

export interface HealthWatchOptions {
  /** How long to wait before opening a watch again after it ended (the backend restarting or unreachable). */
  retryMs?: number;
  /** Deadline of a Check, used only with backends that do not implement Watch. */
  timeoutMs?: number;
  /** TLS and token for the watch (the balancer's outgoing settings). */
  client?: ClientSettings;
}

/** A running health watch: `recheck` asks the backend afresh, and the answer is reported even when unchanged. */
export interface HealthWatch {
  recheck(): void;
  stop(): void;
}

/**
 * Watches one backend with a grpc.health.v1 Health.Watch stream: the backend says its status at once and again each
 * time it changes, so a backend that turns NOT_SERVING or SERVING is seen as soon as it says so, with no polling. A
 * watch that fails (the backend died, restarted, or went silent, which the channel's keepalive notices within about
 * two seconds) reports `unreachable` and is opened again every `retryMs`; the first answer of the new watch brings the
 * backend back. `recheck` opens a fresh watch, whose first message repeats the current status: the balancer calls it
 * when a call found the backend unreachable, so that the health check, not the call, has the last word.
 *
 * It watches the registered service name, or the server as a whole ("") when the backend does not know that name.
 * A backend without Watch (UNIMPLEMENTED) is polled with Check every `retryMs` instead.
 */
export function watchHealth(
  address: string,
  serviceName: string,
  onHealth: (health: EndpointHealth) => void,
  options: HealthWatchOptions = {},
): HealthWatch {
  const retryMs = options.retryMs ?? 200;
  const client = createHealthClient(address, {
    ...options.client,
    deadlineMs: options.timeoutMs ?? 700,
    maxAttempts: 1,
    // Dial a restarted backend again quickly: the kit's keepalive already caps the backoff, this shortens its start.
    // Keepalive lets a watch on a backend behind a dead link (or a paused process) fail within seconds, and a
    // restarted backend is dialled again quickly.
    channelOptions: {
      ...KEEPALIVE_CHANNEL_OPTIONS,
      ...options.client?.channelOptions,
      'grpc.initial_reconnect_backoff_ms': retryMs,
    },
  });
  let service = serviceName;
  let stopped = false;
  let polling = false;
  let stream: ClientReadableStream<{ status: ServingStatus }> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const report = (health: EndpointHealth) => {
    if (!stopped) onHealth(health);
  };
  const later = (action: () => void) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(action, retryMs);
  };

  const open = () => {
    clearTimeout(timer);
    if (stopped) return;
    if (polling)
      return void poll(
        client,
        () => service,
        report,
        later,
        () => (service = ''),
      );
    const current = client.watch({ service });
    stream = current;
    current.on('data', (message: { status: ServingStatus }) => {
      if (message.status === 'SERVICE_UNKNOWN' && service !== '') {
        service = '';
        reopen();
        return;
      }
      report(message.status === 'SERVING' ? 'serving' : 'not-serving');
    });
    current.on('error', (error) => {
      if (stream !== current) return;
      if (isServiceError(error) && error.code === status.UNIMPLEMENTED) {
        polling = true;
        open();
        return;
      }
      if (isServiceError(error) && error.code === status.CANCELLED) return;
      report('unreachable');
      later(open);
    });
    current.on('end', () => {
      if (stream !== current) return;
      report('unreachable');
      later(open);
    });
  };
  const reopen = () => {
    const previous = stream;
    stream = undefined;
    previous?.cancel();
    open();
  };
  open();
  return {
    recheck: () => (polling ? open() : reopen()),
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      const previous = stream;
      stream = undefined;
      previous?.cancel();
      client.close();
    },
  };
}

/** One Check for a backend without Watch; schedules the next through `later`. */
function poll(
  client: HealthClient,
  service: () => string,
  report: (health: EndpointHealth) => void,
  later: (action: () => void) => void,
  forgetService: () => void,
): void {
  const again = () => poll(client, service, report, later, forgetService);
  checkHealth(client, service()).then(
    (serving) => {
      report(serving === 'SERVING' ? 'serving' : 'not-serving');
      later(again);
    },
    (error: unknown) => {
      if (isServiceError(error) && error.code === status.NOT_FOUND && service() !== '') {
        forgetService();
        again();
        return;
      }
      report('unreachable');
      later(again);
    },
  );
}
