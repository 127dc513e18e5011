import { ChatServiceService } from '@distlab/contracts/chat/v1/chat';
import { ClockServiceService } from '@distlab/contracts/clock/v1/clock';
import { GreeterServiceService } from '@distlab/contracts/greeter/v1/greeter';
import { keepRegistered, startServer, type Logger, type RunningServer, type ServerConfig } from '@distlab/grpc-kit';
import { chatService } from './chat/chat-service';
import { clockService } from './clocks/clock-service';
import { EventLog } from './clocks/event-log';
import { LogicalClocks } from './clocks/logical-clocks';
import { greeterService } from './greeter-service';

export interface PeerOptions {
  /** This peer's id in the cluster: a positive integer. */
  id: number;
  server: Pick<ServerConfig, 'host' | 'port'> & Partial<ServerConfig>;
  logger: Logger;
  /** Chat: events that may wait for one slow member before it is dropped. */
  chatMaxPendingEvents?: number;
  /** When set, register with this registry as "peer-<id>" and as a GreeterService endpoint. */
  registry?: string;
  /** The other peers' addresses by id; a Map the caller may fill in later. */
  peers?: Map<number, string>;
  /** When set, the event log is also appended to this file as JSON lines. */
  eventsFile?: string;
}

/** Starts one peer process's server: greeter and chat (the algorithm services join them in later issues). */
export async function startPeer(options: PeerOptions): Promise<RunningServer> {
  const serverId = `peer-${options.id}`;
  const chat = chatService({ logger: options.logger, maxPendingEvents: options.chatMaxPendingEvents });
  const clocks = new LogicalClocks(options.id);
  const log = new EventLog(options.id, options.eventsFile);
  const clock = clockService({
    clocks,
    log,
    peers: options.peers ?? new Map(),
    logger: options.logger,
    client: { token: options.server.token },
  });
  const server = await startServer({
    host: options.server.host,
    port: options.server.port,
    tls: options.server.tls,
    token: options.server.token,
    maxMessageBytes: options.server.maxMessageBytes,
    logger: options.logger,
    services: [
      { definition: GreeterServiceService, implementation: greeterService({ serverId, logger: options.logger }) },
      { definition: ChatServiceService, implementation: chat.implementation },
      { definition: ClockServiceService, implementation: clock.implementation },
    ],
  });
  server.onDrain(() => chat.drain());
  server.onDrain(() => clock.close());
  if (options.registry !== undefined) {
    for (const name of [serverId, 'distlab.greeter.v1.GreeterService']) {
      const registration = keepRegistered({
        registry: options.registry,
        name,
        address: server.address,
        metadata: { peerId: String(options.id) },
        logger: options.logger,
      });
      server.onDrain(() => registration.stop());
    }
  }
  return server;
}
