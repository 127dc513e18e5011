import { randomUUID, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, codeName, isServiceError, quoteClientInput, StatusError } from '@distlab/grpc-kit';
import { isInteger, requireInput } from './control-input';
import { Controls, type ControlOptions } from './controls';
import { LiveSystem, type LiveSystemOptions } from './live-system';
import { pageHtml, pageScript } from './page-assets';
import { EVENTS_PER_READ_MAX, type EventReadHead, type EventsSeen } from './wire';

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
 * Starts the live view: a small HTTP server (node:http, no framework) that serves the page, streams the system's state
 * to it as JSON lines (`/api/stream`: the state when it changes, and how many events there are), hands it the events
 * it draws (`/api/events`: a range of the run, by number) and runs its controls as POST requests
 * (`/api/control/<name>`, JSON in and out). It refuses to listen
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
      openStream(response);
    } else if (request.method === 'GET' && url.pathname === '/api/view') {
      sendJson(response, 200, viewOf());
    } else if (request.method === 'GET' && url.pathname === '/api/events') {
      sendEvents(response, url.searchParams);
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
   * The stream of one page (`/api/stream`), JSON lines: `{"view": …}` whenever the system changes, and
   * `{"events": {"run", "seen", "forgotten"}}` when new events arrived, both at most twice a second: how many there are,
   * forgotten ones included, and this bridge's life (a page that sees another run, after a restart, starts again).
   *
   * The stream does not carry the events. A busy cluster logs some fifteen thousand a second, and the page draws the
   * newest few thousand at most once or twice a second: sent them all, Chromium paid for every byte in its network,
   * browser and renderer processes, on the cores the peers need (`npx nx bench live-view`). The page reads what it
   * draws from `/api/events` when it redraws.
   */
  function openStream(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    /** The records, in one write: Chromium pays for every piece of a stream it reads. */
    const send = (viewChanged: boolean, seen: number | undefined) => {
      let text = viewChanged ? `${JSON.stringify({ view: viewOf() })}\n` : '';
      const events: EventsSeen | undefined =
        seen === undefined ? undefined : { run, seen, forgotten: system.forgotten };
      if (events !== undefined) text += `${JSON.stringify({ events })}\n`;
      if (text !== '') response.write(text);
    };
    send(true, system.eventsSeen);
    const unsubscribe = system.subscribe(({ viewChanged, seen }) => send(viewChanged, seen));
    const keepAlive = setInterval(() => response.write('\n'), 15_000);
    streams.add(response);
    response.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(response);
    });
  }

  /**
   * `/api/events?from=<number>&limit=<count>`: JSON lines, first `{"run", "first", "count", "seen"}`, then `count`
   * events from number `first` on, each the peer's log line as the peer sent it (without its `shiviz` field). Events
   * are numbered from 0 in the order the bridge got them; `first` is later than `from` when those were forgotten (the
   * bridge keeps the newest million). At most 10,000 a read (`limit`, 5,000 if not given).
   */
  function sendEvents(response: ServerResponse, query: URLSearchParams): void {
    const [fromText, limitText] = [query.get('from') ?? '', query.get('limit') ?? '5000'];
    requireInput(
      isInteger(fromText, 0, Number.MAX_SAFE_INTEGER),
      `from is the number of the first event wanted (0 for the first); not ${quoteClientInput(fromText, 40)}`,
    );
    requireInput(
      isInteger(limitText, 0, Number.MAX_SAFE_INTEGER),
      `limit is how many events, 1 to ${EVENTS_PER_READ_MAX}; not ${quoteClientInput(limitText, 40)}`,
    );
    const [from, limit] = [Number(fromText), Number(limitText)];
    if (limit < 1 || limit > EVENTS_PER_READ_MAX)
      throw new StatusError(Code.OUT_OF_RANGE, `limit is how many events, 1 to ${EVENTS_PER_READ_MAX}; not ${limit}`);
    const seen = system.eventsSeen;
    if (from > seen)
      throw new StatusError(Code.OUT_OF_RANGE, `from ${from} is past the ${seen} events this view has seen`);
    const { first, chunks } = system.eventsFrom(from, limit);
    const count = chunks.reduce((sum, chunk) => sum + chunk.count, 0);
    response.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    response.cork();
    const head: EventReadHead = { run, first, count, seen };
    response.write(`${JSON.stringify(head)}\n`);
    for (const chunk of chunks) response.write(chunk.bytes);
    response.end();
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
