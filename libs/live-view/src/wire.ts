/**
 * What the bridge sends the page: its stream's records (see openStream in bridge-server.ts) and the reads of its
 * events (sendEvents). The page's bundle imports this file, so it holds nothing that needs Node.
 */

/** One event of a peer's log, as WatchEvents gave it, with the life (incarnation) it belongs to. */
export interface WireEvent {
  peer: number;
  incarnation: number;
  sequence: number;
  kind: 'local' | 'send' | 'receive' | 'cs-enter' | 'cs-exit' | 'election' | 'leader-changed' | 'clock-adjusted';
  lamport: number;
  /** "1:3,2:1", as the logs write a vector clock. */
  vector: string;
  wallTime: string;
  algorithm: string;
  label: string;
  remotePeer?: number;
  messageId?: string;
}

/** A serving status, or what the bridge saw instead of one. */
export type HealthText = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' | 'UNREACHABLE' | 'CHECKING';

/** One peer as the bridge last saw it. */
export interface PeerView {
  peerId: number;
  address: string;
  health: HealthText;
  incarnation: number | undefined;
  paused: boolean;
  /** The link faults in force, one short line each ("→ peer-3: blocked"). */
  faults: string[];
  leaderId: number | undefined;
  term: number | undefined;
  electionRunning: boolean;
  mutex:
    | {
        state: 'released' | 'wanted' | 'held';
        requestTimestamp: string;
        awaiting: number[];
        deferred: number[];
        fencingToken: string;
        waitingClients: number;
        entries: string;
      }
    | undefined;
  /** This peer's clock minus the machine's system clock: the known truth on one machine. */
  clockOffsetMs: number | undefined;
  /** Why the last look at this peer failed, if it did. */
  error: string | undefined;
  /** The fencing token of the lock this page holds through this peer, if any. */
  heldByPage: string | undefined;
  /** Events the bridge could not get: it fell behind further than the peer keeps in memory (its log file has them). */
  missedEvents: number;
}

/** A process that is not a peer: the balancer and the backends registered with it. */
export interface ProcessView {
  name: string;
  address: string;
  role: string;
  health: HealthText;
}

export interface BalancerView {
  address: string;
  strategy: string;
  backends: Array<{
    service: string;
    address: string;
    health: string;
    started: string;
    succeeded: string;
    failed: string;
    inFlight: number;
  }>;
  callsWithoutBackend: string;
  error: string | undefined;
}

/** The whole system at one moment. */
export interface SystemView {
  peers: PeerView[];
  processes: ProcessView[];
  balancer: BalancerView | undefined;
  /** What the page may offer: kill -9 and restart need the supervisor of `distlab up`. */
  canControlProcesses: boolean;
  /** The processes the supervisor can kill and restart (empty without it). */
  processNames: string[];
  demos: string[];
}

/** A control's answer: what happened, in one or more lines for people. */
export interface ControlResult {
  ok: boolean;
  lines: string[];
}

/** The stream's word on the events (`{"events": …}`): how many the bridge has seen, and which life of it says so. */
export interface EventsSeen {
  /** The bridge's life: another after it restarted, when the events are numbered again from 0. */
  run: string;
  /** Every event since the bridge started, forgotten ones included. */
  seen: number;
  /** The oldest events the bridge no longer keeps. */
  forgotten: number;
}

/** The first line of a read of `/api/events`: `count` event lines follow, numbered from `first` on. */
export interface EventReadHead {
  run: string;
  first: number;
  count: number;
  /** How many events the bridge had seen when it answered. */
  seen: number;
}

/** The most events one read of `/api/events` returns (the page's diagram window is 5,000). */
export const EVENTS_PER_READ_MAX = 10_000;
