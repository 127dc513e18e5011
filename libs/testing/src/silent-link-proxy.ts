import { createServer, Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 in front of a server, whose link can be cut silently; see silentLinkProxy. */
export interface SilentLinkProxy {
  port: number;
  /** Bytes forwarded from clients to the server so far: a client's pings, calls and messages. */
  readonly bytesToServer: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Stops forwarding in both directions without closing anything, as a link taken down at the kernel does. */
  cut(): void;
  close(): void;
}

/**
 * A TCP proxy in front of `port` for tests of what a cut link does to a connection: a link taken down loses packets
 * without a reset, so nothing closes and only an unanswered ping (or call) can tell. Netns tests do this for real as
 * root (real-network.spec.ts); this does it in-process, for tests of keepalive behaviour that need no root.
 */
export async function silentLinkProxy(port: number): Promise<SilentLinkProxy> {
  const sockets: Socket[] = [];
  let cut = false;
  let bytesToServer = 0;
  let connections = 0;
  const proxy = createServer((inbound) => {
    const outbound = new Socket();
    outbound.connect(port, '127.0.0.1');
    sockets.push(inbound, outbound);
    connections += 1;
    inbound.on('data', (chunk) => {
      if (cut) return;
      bytesToServer += chunk.length;
      outbound.write(chunk);
    });
    outbound.on('data', (chunk) => cut || inbound.write(chunk));
    for (const socket of [inbound, outbound]) socket.on('error', () => undefined);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as { port: number }).port,
    get bytesToServer() {
      return bytesToServer;
    },
    get connections() {
      return connections;
    },
    cut: () => {
      cut = true;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      proxy.close();
    },
  };
}
