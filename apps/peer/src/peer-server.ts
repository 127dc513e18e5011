import { join } from 'node:path';
import { ChaosServiceService } from '@distlab/contracts/chaos/v1/chaos';
import { ChatServiceService } from '@distlab/contracts/chat/v1/chat';
import { ClockServiceService } from '@distlab/contracts/clock/v1/clock';
import { TimeServiceService } from '@distlab/contracts/clock/v1/time';
import { ClusterServiceService } from '@distlab/contracts/cluster/v1/cluster';
import { ElectionServiceService } from '@distlab/contracts/election/v1/election';
import { GreeterServiceService } from '@distlab/contracts/greeter/v1/greeter';
import { MutexServiceService } from '@distlab/contracts/mutex/v1/mutex';
import type { ElectionAlgorithm, ElectionTimeouts, LeaderElectionCoreFactory } from '@distlab/election';
import type { MutexCoreFactory } from '@distlab/mutex';
import {
  msToDuration,
  startServer,
  type Logger,
  type RunningServer,
  type ServerConfig,
  outgoingClientSettings,
  advertisedAddress,
  requireAdvertisable,
} from '@distlab/grpc-kit';
import { keepRegistered } from '@distlab/service-clients';
import { chaosService, faultsOf } from './chaos/chaos-service';
import { chatService } from './chat/chat-service';
import { clockService } from './clocks/clock-service';
import { clusterService } from './cluster/cluster-service';
import { RegistryDiscovery } from './cluster/registry-discovery';
import { ElectionDriver } from './election/election-driver';
import { electionService, leaderOf } from './election/election-service';
import { greeterService } from './greeter-service';
import {
  EventLog,
  FaultInjector,
  LogicalClocks,
  MessageStamper,
  pauseInterceptor,
  PeerLinks,
  receiveInterceptor,
  type LinkFaultSettings,
} from './messaging';
import { MutexDriver, type MutexTransport } from './mutex/mutex-driver';
import { mutexService, mutexStateOf } from './mutex/mutex-service';
import { OwnerLock } from './owner-lock';
import { PeerState } from './peer-state';
import { systemEpoch } from './time/system-clock';
import { timeOf, timeService } from './time/time-service';
import { VirtualClock } from './time/virtual-clock';

export interface PeerOptions {
  /** This peer's id in the cluster: a positive integer. */
  id: number;
  server: Pick<ServerConfig, 'host' | 'port'> & Partial<ServerConfig>;
  logger: Logger;
  /** Chat: events that may wait for one slow member before it is dropped. */
  chatMaxPendingEvents?: number;
  /** Mutex: clients that may wait in Acquire on this peer (1000 by default). */
  mutexMaxWaitingClients?: number;
  /** Mutex: how Request and Reply travel to the other peers (an Exchange stream each by default). */
  mutexTransport?: MutexTransport;
  /** A user's Ricart–Agrawala core to drive instead of the reference (loaded by `--mutex-core`). */
  mutexCore?: MutexCoreFactory;
  /** A user's election core to drive instead of the reference (loaded by `--election-core`). */
  electionCore?: LeaderElectionCoreFactory;
  /** When set, register with this registry as "peer-<id>" and as a GreeterService endpoint, and discover peers there. */
  registry?: string;
  /** The other members' addresses by id. */
  peers?: ReadonlyMap<number, string>;
  /** The address to register and announce (`--advertise`: host or host:port); the listening address by default. */
  advertise?: string;
  /** When set, the event log is also appended to this file as JSON lines. */
  eventsFile?: string;
  /** The newest events kept in memory for ListEvents and WatchEvents (EVENTS_IN_MEMORY_DEFAULT by default). */
  eventsInMemory?: number;
  /** The size at which the event-log file is rotated (EVENTS_FILE_MAX_BYTES_DEFAULT by default). */
  eventsFileMaxBytes?: number;
  /** Where the incarnation and largest fencing token are kept across restarts; without it, every start is the first. */
  stateDir?: string;
  /** The virtual clock's skew and drift. */
  clockSkewMs?: number;
  clockDriftPpm?: number;
  /** Faults on every link from the start (ChaosService changes them later). */
  faults?: LinkFaultSettings;
  /** The algorithm elections use unless a StartElection names another (default bully). */
  electionAlgorithm?: ElectionAlgorithm;
  electionTimeouts?: Partial<ElectionTimeouts>;
}

/**
 * Starts one peer process's server: greeter, chat, clocks and event log, time, mutex, election and membership, all
 * over one set of links to the other peers whose envelope stamps and logs every message.
 */
export async function startPeer(options: PeerOptions): Promise<RunningServer> {
  const serverId = `peer-${options.id}`;
  const stateFile = options.stateDir && join(options.stateDir, `${serverId}.json`);
  // Before anything is read or written: a second process of this peer must not bump the incarnation of the first.
  const owned: OwnerLock[] = [];
  requireAdvertisable(options.server.host, options.advertise, options.registry); // Before anything starts.
  try {
    for (const file of [stateFile, options.eventsFile]) if (file !== undefined) owned.push(OwnerLock.claim(file));
    return await startOwnedPeer(options, serverId, stateFile, owned);
  } catch (error) {
    for (const lock of owned) lock.release();
    throw error;
  }
}

async function startOwnedPeer(
  options: PeerOptions,
  serverId: string,
  stateFile: string | undefined,
  owned: readonly OwnerLock[],
): Promise<RunningServer> {
  const { logger } = options;
  const state = PeerState.begin(stateFile);
  const clock = new VirtualClock({ skewMs: options.clockSkewMs, driftPpm: options.clockDriftPpm });
  const { uncertaintyMs, steps } = systemEpoch();
  logger.debug({ uncertaintyMs, steps }, 'system clock read: alike in every process on this machine to ±uncertaintyMs');
  const wallClock = () => clock.now();
  const clocks = new LogicalClocks(options.id);
  const log = new EventLog({
    peerId: options.id,
    incarnation: state.incarnation,
    file: options.eventsFile,
    maxInMemory: options.eventsInMemory,
    maxFileBytes: options.eventsFileMaxBytes,
    wallClock,
  });
  const stamper = new MessageStamper(clocks, log, state.incarnation);
  const faults = new FaultInjector(options.faults);
  const links = new PeerLinks({
    stamper,
    faults,
    members: options.peers ?? new Map(),
    client: outgoingClientSettings(options.server),
    logger,
  });
  const mutex = new MutexDriver({
    links,
    clocks,
    log,
    state,
    logger,
    wallClock,
    maxWaitingClients: options.mutexMaxWaitingClients,
    transport: options.mutexTransport,
    coreFactory: options.mutexCore,
  });
  const election = new ElectionDriver({
    links,
    clocks,
    log,
    logger,
    wallClock,
    algorithm: options.electionAlgorithm ?? 'bully',
    timeouts: options.electionTimeouts,
    coreFactory: options.electionCore,
  });
  const chat = chatService({ logger, maxPendingEvents: options.chatMaxPendingEvents });
  const clockApi = clockService({ clocks, log, links, logger });
  const mutexApi = mutexService(mutex, logger);
  // What an observer shows of this peer, as each service's Get call answers it (ClusterService.WatchState).
  const readState = () => ({
    mutex: mutexStateOf(mutex),
    leader: leaderOf(election),
    faults: faultsOf(faults, links),
    time: { ...timeOf(clock, links.self), offsetFromSystem: msToDuration(Math.round(clock.offsetFromSystemMs())) },
  });
  const cluster = clusterService(links, logger, readState, outgoingClientSettings(options.server));
  const electionApi = electionService(election, logger);
  const server = await startServer({
    host: options.server.host,
    port: options.server.port,
    tls: options.server.tls,
    token: options.server.token,
    maxMessageBytes: options.server.maxMessageBytes,
    logger,
    // A paused peer holds calls before their envelope is merged: they are received when the pause ends.
    interceptors: [pauseInterceptor(faults), receiveInterceptor(stamper)],
    services: [
      { definition: GreeterServiceService, implementation: greeterService({ serverId, logger }) },
      { definition: ChatServiceService, implementation: chat.implementation },
      { definition: ClockServiceService, implementation: clockApi.implementation },
      { definition: TimeServiceService, implementation: timeService({ clock, links, clocks, log, logger }) },
      { definition: MutexServiceService, implementation: mutexApi.implementation },
      { definition: ElectionServiceService, implementation: electionApi.implementation },
      { definition: ClusterServiceService, implementation: cluster.implementation },
      { definition: ChaosServiceService, implementation: chaosService(faults, links, logger) },
    ],
  });
  logger.info({ incarnation: state.incarnation, members: links.members() }, 'peer started');
  const advertised = advertisedAddress(server, options.advertise, options.registry);
  cluster.announce(advertised);
  election.start();
  server.onDrain(() => chat.drain());
  server.onDrain(() => clockApi.close());
  server.onDrain(() => cluster.close());
  server.onDrain(async () => {
    faults.heal(); // A paused peer that is told to stop lets its held calls finish.
    election.stop();
    electionApi.close(); // Followers' heartbeat streams would hold the drain; ended, they tell their followers at once.
    await mutex.drain();
    mutexApi.close(); // After the drain: replies owed to others have gone out on their streams.
    links.close();
    log.close();
    for (const lock of owned) lock.release(); // Last: nothing of this peer's is written after the log closes.
  });
  if (options.registry !== undefined) {
    const discovery = new RegistryDiscovery({
      links,
      registry: options.registry,
      client: outgoingClientSettings(options.server),
      logger,
    });
    discovery.start();
    server.onDrain(() => discovery.stop());
    for (const name of [serverId, 'distlab.greeter.v1.GreeterService']) {
      const registration = keepRegistered({
        client: outgoingClientSettings(options.server),
        registry: options.registry,
        name,
        address: advertised,
        // The pid lets a lab's demo on this machine kill -9 the process it finds (the Bully demo kills the coordinator).
        metadata: { peerId: String(options.id), pid: String(process.pid) },
        logger,
      });
      server.onDrain(() => registration.stop());
    }
  }
  return server;
}
