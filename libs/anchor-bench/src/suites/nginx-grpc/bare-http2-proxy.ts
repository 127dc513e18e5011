// The floor of the nginx rows: the least a proxy built on node:http2 can do per gRPC call. It passes each call to
// the next worker in turn over one HTTP/2 connection per worker, with no health, deadlines, retries, limits or
// metrics. Whatever the balancer costs above it is its own; what it costs above nginx is node's HTTP/2 stack.

import {
  connect,
  createServer,
  type ClientHttp2Session,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
} from 'node:http2';

/** A running floor proxy. */
export interface BareHttp2Proxy {
  readonly address: string;
  stop(): Promise<void>;
}

/** Starts the floor proxy on a free loopback port, in this process (idle while h2load drives it). */
export async function startBareHttp2Proxy(upstreams: readonly string[]): Promise<BareHttp2Proxy> {
  const sessions: ClientHttp2Session[] = upstreams.map((address) => connect(`http://${address}`));
  for (const session of sessions) session.on('error', () => undefined);
  let next = 0;
  const server = createServer();
  const clients = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    clients.add(session);
    session.on('close', () => clients.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const outgoing: OutgoingHttpHeaders = {};
    for (const name in headers)
      if (name[0] !== ':' || name === ':path' || name === ':method') outgoing[name] = headers[name];
    const upstream = sessions[next++ % sessions.length].request(outgoing, { endStream: false });
    let trailers: OutgoingHttpHeaders = {};
    stream.on('error', () => undefined);
    upstream.on('error', () => undefined);
    stream.on('data', (chunk: Buffer) => upstream.write(chunk));
    stream.on('end', () => upstream.end());
    stream.on('close', () => upstream.close());
    upstream.on('response', (responseHeaders) => {
      const { ':status': _status, ...rest } = responseHeaders;
      stream.respond({ ':status': 200, ...rest }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    });
    upstream.on('data', (chunk: Buffer) => stream.write(chunk));
    upstream.on('trailers', (received) => (trailers = received));
    upstream.on('end', () => stream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      for (const session of [...sessions, ...clients]) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
