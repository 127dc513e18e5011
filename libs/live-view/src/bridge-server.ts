import { randomUUID, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, codeName, isServiceError, StatusError } from '@distlab/grpc-kit';
import { Controls, type ControlOptions } from './controls';
import { LiveSystem, type LiveSystemOptions } from './live-system';
import { pageHtml, pageScript } from './page-assets';
import { dropEvents, type EventChunk } from './event-chunk';

export interface LiveViewOptions extends LiveSystemOptions, Omit<ControlOptions, 'clientSettings'> {
  /** The interface to listen on: loopback unless `allowRemote`. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Listen beyond loopback (on every interface, or `host`): only when the user said so. */
  allowRemote?: boolean;
  /** When set (under --secure), every request needs it: `?token=` once, then a cookie, or a bearer header. */
  token?: string;
}

/** The running live view: its URL (with the token when one is needed, to open it once) and how to stop it. */
export interface LiveView {
  url: string;
  port: number;
  system: LiveSystem;
  stop(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const BODY_MAX_BYTES = 16_384;
const EVENTS_PER_MESSAGE = 2_000;
const COOKIE = 'distlab_ui';

/**
 * gRPC status → HTTP status, for the page's controls: definite failures of the input (4xx) apart from a system that
 * could not answer (503/504), so the page can say which is which. Everything else is a 500 with the gRPC code named.
 */
function httpStatusOf(code: Code): number {
  switch (code) {
    case Code.INVALID_ARGUMENT:
    case Code.OUT_OF_RANGE:
      return 400;
    case Code.UNAUTHENTICATED:
      return 401;
    case Code.PERMISSION_DENIED:
      return 403;
    case Code.NOT_FOUND:
      return 404;
    case Code.ALREADY_EXISTS:
    case Code.FAILED_PRECONDITION:
    case Code.ABORTED:
      return 409;
    case Code.RESOURCE_EXHAUSTED:
      return 429;
    case Code.UNAVAILABLE:
      return 503;
    case Code.DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

/**
 * Starts the live view: a small HTTP server (node:http, no framework) that serves the page, streams the system to it
 * as JSON lines (`/api/stream`: every event of the run, then each new batch, and the system's state when it changes),
 * and runs its controls as POST requests (`/api/control/<name>`, JSON in and out). It refuses to listen
 * beyond loopback unless told, answers only requests addressed to a loopback name (a web page elsewhere cannot reach it
 * through DNS rebinding), and takes controls only as JSON (which a form on another site cannot send).
 */
export async function startLiveView(options: LiveViewOptions): Promise<LiveView> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !options.allowRemote)
    throw new Error(`the live view listens on loopback only; to listen on ${host}, say so (--ui-allow-remote)`);
  const script = await pageScript();
  const system = new LiveSystem(options);
  const controls = new Controls(system, { ...options, clientSettings: options.clientSettings });
  const streams = new Set<ServerResponse>();
  const sessionCookie = randomUUID();
  /** This bridge's life, in the event stream's ids: a page that reconnects to another life starts again. */
  const run = randomUUID().slice(0, 8);

  const authorized = (request: IncomingMessage, url: URL) => {
    if (options.token === undefined) return true;
    const offered =
      url.searchParams.get('token') ??
      /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ??
      new RegExp(`(?:^|; )${COOKIE}=([^;]+)`).exec(request.headers.cookie ?? '')?.[1];
    if (offered === undefined) return false;
    if (offered === sessionCookie) return true;
    const [a, b] = [Buffer.from(offered), Buffer.from(options.token)];
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => sendError(response, error));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const hostName = (request.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!options.allowRemote && !LOOPBACK.has(hostName))
      throw new StatusError(Code.PERMISSION_DENIED, 'this view answers requests to a loopback address only');
    if (!authorized(request, url))
      throw new StatusError(
        Code.UNAUTHENTICATED,
        'this view needs the token: open the URL distlab printed, with ?token=',
      );
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    if (url.searchParams.has('token')) {
      // The token leaves the address bar at once; the page carries a cookie from here on.
      response.writeHead(303, {
        ...headers,
        location: '/',
        'set-cookie': `${COOKIE}=${sessionCookie}; HttpOnly; SameSite=Strict; Path=/`,
      });
      response.end();
      return;
    }
    if (request.method === 'GET' && url.pathname === '/') {
      response.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
      response.end(pageHtml());
    } else if (request.method === 'GET' && url.pathname === '/app.js') {
      response.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' });
      response.end(script);
    } else if (request.method === 'GET' && url.pathname === '/api/stream') {
      openStream(response, url.searchParams.get('after') ?? '');
    } else if (request.method === 'GET' && url.pathname === '/api/view') {
      sendJson(response, 200, viewOf());
    } else if (request.method === 'GET' && url.pathname === '/api/events') {
      // The lines are JSON already: written into the array as they are.
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(`{"forgotten":${system.forgotten},"events":[${system.events.join(',')}]}`);
    } else if (request.method === 'POST' && url.pathname.startsWith('/api/control/')) {
      const input = await readJson(request);
      sendJson(response, 200, await controls.run(url.pathname.slice('/api/control/'.length), input));
    } else {
      throw new StatusError(Code.NOT_FOUND, `nothing at ${request.method} ${url.pathname.slice(0, 80)}`);
    }
  }

  const viewOf = () =>
    system.view({
      canControlProcesses: options.processes !== undefined,
      processNames: options.processes?.names() ?? [],
      demos: options.runDemo === undefined ? [] : (options.demos ?? []),
    });

  /**
   * The stream of one page (`/api/stream`), JSON lines: `{"view": …}` whenever the system changes, `{"reset": why}` when
   * the page must start again, and batches of events, each `{"events": N, "id": "<run>:<count>"}` followed by N lines,
   * the peers' log lines as they sent them. Why not server-sent events: an EventSource parses every line and dispatches
   * a message per batch in the browser, where fetch() hands the page the bytes in large chunks (the browser's CPU per
   * critical section in `npx nx bench live-view` fell by about half), and server-sent events need a `data:` prefix
   * on every line, where this way the bridge writes the peers' bytes without touching them.
   *
   * `id` counts the events sent since this bridge started, forgotten ones included: a page whose connection broke
   * comes back with `?after=<id of the last whole batch it got>` and gets exactly the events after it, so it keeps each
   * event once without checking any. A page that comes back to another run (the bridge restarted) is told to reset.
   */
  function openStream(response: ServerResponse, after: string): void {
    response.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    const record = (value: unknown) => response.write(`${JSON.stringify(value)}\n`);
    const resumed = resumePoint(after);
    if (resumed === undefined && after !== '') record({ reset: 'the view restarted' });
    /** The events this page has, counted as the ids count them. */
    let sent = resumed ?? system.forgotten;
    const sendEvents = (chunks: readonly EventChunk[]) => {
      const count = chunks.reduce((sum, chunk) => sum + chunk.count, 0);
      if (count === 0) return;
      sent += count;
      response.cork();
      record({ events: count, id: `${run}:${sent}` });
      for (const chunk of chunks) response.write(chunk.bytes);
      process.nextTick(() => response.uncork());
    };
    record({ view: viewOf() });
    // The run so far (after what the page has), in batches of about EVENTS_PER_MESSAGE, then each batch as it comes.
    let batch: EventChunk[] = [];
    let batched = 0;
    for (const chunk of system.chunksFrom(sent)) {
      batch.push(chunk);
      batched += chunk.count;
      if (batched < EVENTS_PER_MESSAGE) continue;
      sendEvents(batch);
      batch = [];
      batched = 0;
    }
    sendEvents(batch);
    const unsubscribe = system.subscribe({
      // A batch may begin with events the replay above already sent: they were kept before they were handed on.
      onEvents: (chunks, firstIndex) => {
        sendEvents(firstIndex >= sent ? chunks : dropEvents(chunks, sent - firstIndex));
      },
      onViewChanged: () => record({ view: viewOf() }),
    });
    const keepAlive = setInterval(() => response.write('\n'), 15_000);
    streams.add(response);
    response.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(response);
    });
  }

  /** Where a page that comes back with `?after=` goes on; undefined when it must start again. */
  function resumePoint(lastId: string): number | undefined {
    const [idRun, count] = lastId.split(':');
    const after = Number(count);
    const total = system.eventsSeen;
    const valid = idRun === run && Number.isSafeInteger(after) && after >= system.forgotten && after <= total;
    return valid ? after : undefined;
  }

  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  await system.start();
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/${options.token === undefined ? '' : `?token=${encodeURIComponent(options.token)}`}`,
    port,
    system,
    async stop() {
      controls.close();
      system.stop();
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, error: unknown): void {
  const code = isServiceError(error) || error instanceof StatusError ? (error as { code: Code }).code : Code.INTERNAL;
  const message = (error as { details?: string }).details ?? (error as Error).message;
  if (response.headersSent) {
    response.end();
    return;
  }
  sendJson(response, httpStatusOf(code), { ok: false, code: codeName(code), lines: [`${codeName(code)}: ${message}`] });
}

/** The request's JSON object; only JSON is taken, which a cross-site form cannot send without the page's consent. */
async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/.test(request.headers['content-type'] ?? ''))
    throw new StatusError(Code.INVALID_ARGUMENT, 'controls take a JSON body (content-type: application/json)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > BODY_MAX_BYTES)
      throw new StatusError(Code.RESOURCE_EXHAUSTED, `a control's body is at most ${BODY_MAX_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new StatusError(Code.INVALID_ARGUMENT, 'the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new StatusError(Code.INVALID_ARGUMENT, 'the body is a JSON object');
  return parsed as Record<string, unknown>;
}
