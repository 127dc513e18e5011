import { compareVectors, EMPTY_VECTOR, formatVector, incrementVector, receiveVector } from '@distlab/clock';
import { byLife, lifeOf, type TraceEvent } from './event-record';
import type { CheckResult } from './check-result';

/**
 * Checks the logical clocks of a run against the run's own structure. Happened-before is taken from the logs alone:
 * process order (each life's events in sequence) and messages (a receive after the send with its message id).
 * Lamport: on every such edge a → b, L(a) < L(b), which gives the property along every causal chain. Vector: every
 * event's vector follows from its predecessor's and, for a receive, its send's, by the vector-clock rules (tick own
 * entry; on receive, first take the larger of each entry); by induction each logged vector is then the one that
 * characterizes happened-before, so a → b ⇔ V(a) < V(b). A window of a longer run works too: the first event of a life
 * in the window, unless it is the life's very first, and receives whose send is outside are anchors, checked no
 * further.
 */
export function checkLogicalClocks(events: readonly TraceEvent[]): CheckResult {
  const violations: string[] = [];
  const sends = new Map<string, TraceEvent>();
  for (const event of events) if (event.kind === 'send' && event.messageId) sends.set(event.messageId, event);
  let edges = 0;
  let anchors = 0;
  for (const life of byLife(events).values()) {
    life.forEach((event, index) => {
      const previous = index > 0 && life[index - 1].sequence === event.sequence - 1 ? life[index - 1] : undefined;
      const send = event.kind === 'receive' && event.messageId ? sends.get(event.messageId) : undefined;
      for (const before of [previous, send]) {
        if (before === undefined) continue;
        edges += 1;
        if (!(before.lamport < event.lamport))
          violations.push(
            `Lamport: ${describe(before)} → ${describe(event)} but L ${before.lamport} ≥ ${event.lamport}`,
          );
      }
      const start = previous?.vector ?? (event.sequence === 1 ? EMPTY_VECTOR : undefined);
      if (start === undefined || (event.kind === 'receive' && send === undefined)) {
        anchors += 1;
        return;
      }
      const expected =
        send === undefined ? incrementVector(start, event.peer) : receiveVector(start, send.vector, event.peer);
      if (compareVectors(event.vector, expected) !== 'equal')
        violations.push(
          `vector: ${describe(event)} logged ${formatVector(event.vector)}, happened-before gives ${formatVector(expected)}`,
        );
    });
  }
  return {
    name: 'Lamport and vector clocks',
    passed: violations.length === 0,
    summary:
      `${events.length} events, ${edges} happened-before edges: L(a) < L(b) on every edge, and every vector follows ` +
      `from its predecessors by the vector-clock rules` +
      (anchors > 0 ? ` (${anchors} events at the window's edge taken as given)` : ''),
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
