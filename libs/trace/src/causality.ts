import { compareVectors, formatVector, incrementVector, receiveVector, type VectorClock } from '@distlab/clock';
import { byLife, lifeOf, type TraceEvent } from './event-record';
import type { CheckResult } from './check-result';

/**
 * Checks the logical clocks of a run against the run's own structure. Happened-before is taken from the logs alone:
 * process order (each life's events in sequence) and messages (a receive after the send with its message id). Lamport:
 * for every such edge a → b, L(a) < L(b), which gives the property for every causal chain. Vector: every event's
 * logged vector equals the one recomputed from the structure with the vector-clock rules, which is exactly what makes
 * a → b ⇔ V(a) < V(b) hold for the logged vectors (the recomputed ones characterize causality).
 */
export function checkLogicalClocks(events: readonly TraceEvent[]): CheckResult {
  const violations: string[] = [];
  const sends = new Map<string, TraceEvent>();
  for (const event of events) if (event.kind === 'send' && event.messageId) sends.set(event.messageId, event);
  const recomputed = new Map<TraceEvent, VectorClock>();
  let edges = 0;
  let unmatchedReceives = 0;
  // Lives are replayed in an order where every send is recomputed before its receive: repeat until all are done.
  const lives = [...byLife(events).values()];
  const positions = lives.map(() => 0);
  const vectors: VectorClock[] = lives.map(() => new Map());
  for (let progressed = true; progressed;) {
    progressed = false;
    lives.forEach((life, index) => {
      while (positions[index] < life.length) {
        const event = life[positions[index]];
        const send = event.kind === 'receive' && event.messageId ? sends.get(event.messageId) : undefined;
        if (send !== undefined && !recomputed.has(send)) return; // Its send is not replayed yet.
        if (event.kind === 'receive' && send === undefined) unmatchedReceives += 1;
        const previous = life[positions[index] - 1];
        if (previous !== undefined) {
          edges += 1;
          if (!(previous.lamport < event.lamport))
            violations.push(
              `Lamport: ${describe(previous)} → ${describe(event)} but L ${previous.lamport} ≥ ${event.lamport}`,
            );
        }
        if (send !== undefined) {
          edges += 1;
          if (!(send.lamport < event.lamport))
            violations.push(`Lamport: ${describe(send)} → ${describe(event)} but L ${send.lamport} ≥ ${event.lamport}`);
        }
        vectors[index] =
          send !== undefined
            ? receiveVector(vectors[index], recomputed.get(send)!, event.peer)
            : incrementVector(vectors[index], event.peer);
        recomputed.set(event, vectors[index]);
        if (compareVectors(event.vector, vectors[index]) !== 'equal')
          violations.push(
            `vector: ${describe(event)} logged ${formatVector(event.vector)}, happened-before gives ${formatVector(vectors[index])}`,
          );
        positions[index] += 1;
        progressed = true;
      }
    });
  }
  const stuck = lives.reduce((sum, life, index) => sum + life.length - positions[index], 0);
  if (stuck > 0)
    violations.push(`${stuck} events wait for a send that comes after them: the logs contradict causality`);
  return {
    name: 'Lamport and vector clocks',
    passed: violations.length === 0,
    summary:
      `${events.length} events, ${edges} happened-before edges: a → b ⇒ L(a) < L(b) on every edge; ` +
      `every vector equals the one recomputed from the logs' structure` +
      (unmatchedReceives > 0 ? ` (${unmatchedReceives} receives whose send is not in the logs)` : ''),
    violations,
  };
}

export function describe(event: TraceEvent): string {
  return `peer ${event.peer} #${event.sequence} (${event.label})`;
}

/** Whether a happened before b, by the logged vectors. */
export function happenedBefore(a: TraceEvent, b: TraceEvent): boolean {
  return lifeOf(a) === lifeOf(b) ? a.sequence < b.sequence : compareVectors(a.vector, b.vector) === 'before';
}
