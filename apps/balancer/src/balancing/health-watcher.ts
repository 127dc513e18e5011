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
  /**
   * How long to wait before opening a watch again after it ended (the backend restarting or unreachable); the wait
   * doubles with each attempt in a row that got no answer, up to RETRY_MAX_MS (or retryMs, when that is longer).
   */
  retryMs?: number;
  /** Deadline of a Check, used only with backends that do not implement Watch. */
  timeoutMs?: number;
  /** TLS and token for the watch (the balancer's outgoing settings). */
  client?: ClientSettings;
}

/**
 * The longest wait between attempts to reach a backend that does not answer. Each registration is watched, and a
 * client can register addresses nobody serves: waiting longer after each attempt that got no answer bounds what
 * each costs, while a backend that comes back is seen within about this long.
 */
const RETRY_MAX_MS = 1000;

/** A running health watch: `recheck` asks the backend afresh, and the answer is reported even when unchanged. */
export interface HealthWatch {
  recheck(): void;
  stop(): void;
}

/**
 * Watches one backend with a grpc.health.v1 Health.Watch stream: the backend says its status at once and again each
 * time it changes, so a backend that turns NOT_SERVING or SERVING is seen as soon as it says so, with no polling. A
 * watch that fails (the backend died, restarted, or went silent, which the channel's keepalive notices within about
 * two seconds) reports `unreachable` and is opened again after `retryMs`, then after waits that double while nothing
 * answers, up to a second; the first answer of the new watch brings the backend back. `recheck` opens a fresh watch,
 * whose first message repeats the current status: the balancer calls it when a call found the backend unreachable, so
 * that the health check, not the call, has the last word.
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
  /** Attempts in a row that got no answer: the wait before the next one doubles with each, up to RETRY_MAX_MS. */
  let unanswered = 0;

  const report = (health: EndpointHealth) => {
    if (health !== 'unreachable') unanswered = 0;
    if (!stopped) onHealth(health);
  };
  const later = (action: () => void) => {
    clearTimeout(timer);
    const delayMs = Math.max(retryMs, Math.min(RETRY_MAX_MS, retryMs * 2 ** Math.min(unanswered, 10)));
    unanswered += 1;
    if (!stopped) timer = setTimeout(action, delayMs);
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
