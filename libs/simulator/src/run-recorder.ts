import { EMPTY_VECTOR, incrementVector, receiveVector, type VectorClock } from '@distlab/clock';
import type { TraceEvent } from '@distlab/trace';

interface Life {
  lamport: number;
  vector: VectorClock;
  sequence: number;
}

/**
 * Writes a simulated run as the event records the peers write (libs/trace's `TraceEvent`), so that one diagram page
 * draws real and simulated runs alike. The stamps are the observer's, computed here from the run's own
 * happened-before (process order plus send → receive), not taken from the core under test: a broken core must not be
 * able to draw itself a correct picture. Simulated milliseconds become wall times from the epoch.
 */
export class RunRecorder {
  readonly events: TraceEvent[] = [];
  private readonly lives = new Map<string, Life>();
  private readonly sends = new Map<string, VectorClock>();
  private readonly sendLamport = new Map<string, number>();
  private messageCount = 0;

  /** Simulated time, read from the simulation's event queue once the simulation attaches it. */
  private nowMs: () => number = () => 0;

  constructor(private readonly algorithm: string) {}

  /** Called by the simulation that records into this recorder: its clock stamps the events' wall times. */
  attach(nowMs: () => number): void {
    this.nowMs = nowMs;
  }

  /** Records a send and returns the message id that its receive will name. */
  send(peer: number, incarnation: number, to: number, label: string): string {
    const messageId = `m${++this.messageCount}`;
    const event = this.append(peer, incarnation, 'send', label, (life) => ({
      lamport: life.lamport + 1,
      vector: incrementVector(life.vector, peer),
    }));
    event.remotePeer = to;
    event.messageId = messageId;
    this.sends.set(messageId, event.vector);
    this.sendLamport.set(messageId, event.lamport);
    return messageId;
  }

  receive(peer: number, incarnation: number, from: number, messageId: string, label: string): void {
    const remoteVector = this.sends.get(messageId) ?? EMPTY_VECTOR;
    const remoteLamport = this.sendLamport.get(messageId) ?? 0;
    const event = this.append(peer, incarnation, 'receive', label, (life) => ({
      lamport: Math.max(life.lamport, remoteLamport) + 1,
      vector: receiveVector(life.vector, remoteVector, peer),
    }));
    event.remotePeer = from;
    event.messageId = messageId;
  }

  /** A local event: entering or leaving the critical section, a leader change, a crash, a violation found. */
  local(peer: number, incarnation: number, kind: TraceEvent['kind'], label: string): void {
    this.append(peer, incarnation, kind, label, (life) => ({
      lamport: life.lamport + 1,
      vector: incrementVector(life.vector, peer),
    }));
  }

  private append(
    peer: number,
    incarnation: number,
    kind: TraceEvent['kind'],
    label: string,
    next: (life: Life) => { lamport: number; vector: VectorClock },
  ): TraceEvent {
    const key = `${peer}.${incarnation}`;
    const life = this.lives.get(key) ?? { lamport: 0, vector: EMPTY_VECTOR, sequence: 0 };
    const { lamport, vector } = next(life);
    const event: TraceEvent = {
      peer,
      incarnation,
      sequence: life.sequence + 1,
      kind,
      lamport,
      vector,
      wallTime: new Date(this.nowMs()).toISOString(),
      algorithm: this.algorithm,
      label,
    };
    this.lives.set(key, { lamport, vector, sequence: event.sequence });
    this.events.push(event);
    return event;
  }
}
