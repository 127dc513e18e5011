import { describe, happenedBefore } from './causality';
import type { CheckResult } from './check-result';
import { byLife, lifeOf, type TraceEvent } from './event-record';

/** A critical-section interval of one peer's life, from its enter event to its exit (open if the log ends inside). */
export interface CriticalSection {
  enter: TraceEvent;
  exit: TraceEvent | undefined;
}

export function criticalSections(events: readonly TraceEvent[], algorithm = 'ricart-agrawala'): CriticalSection[] {
  const sections: CriticalSection[] = [];
  for (const life of byLife(events.filter((event) => event.algorithm === algorithm)).values()) {
    let open: TraceEvent | undefined;
    for (const event of life) {
      if (event.kind === 'cs-enter') open = event;
      if (event.kind === 'cs-exit' && open !== undefined) {
        sections.push({ enter: open, exit: event });
        open = undefined;
      }
    }
    if (open !== undefined) sections.push({ enter: open, exit: undefined });
  }
  return sections;
}

/**
 * Never two holders: every two critical sections are ordered by happened-before, the exit of one before the enter of
 * the other. Wall clocks cannot show this across processes (they are skewed on purpose); causality can, and
 * Ricart–Agrawala guarantees exactly it (the next holder enters only after a reply sent when the last one left). A
 * section whose holder crashed inside it has no exit: it ends with the crash, and a later section must have heard
 * from the holder's next life before it began (see crashEnds).
 */
export function checkMutualExclusion(events: readonly TraceEvent[]): CheckResult {
  const sections = criticalSections(events);
  const endedByCrash = crashEnds(events);
  const violations: string[] = [];
  for (let i = 0; i < sections.length; i += 1) {
    for (let j = i + 1; j < sections.length; j += 1) {
      const [a, b] = [sections[i], sections[j]];
      const aFirst = a.exit !== undefined ? happenedBefore(a.exit, b.enter) : endedByCrash(a, b);
      const bFirst = b.exit !== undefined ? happenedBefore(b.exit, a.enter) : endedByCrash(b, a);
      if (!aFirst && !bFirst) violations.push(`two holders: ${describe(a.enter)} and ${describe(b.enter)}`);
    }
  }
  const peers = new Set(sections.map((section) => section.enter.peer));
  return {
    name: 'mutual exclusion',
    passed: violations.length === 0,
    summary: `${sections.length} critical sections by ${peers.size} peers, each pair ordered exit → enter`,
    violations,
  };
}

/**
 * Whether `crashed`, a section without an exit, ended (its holder died) before `later` began. A holder that dies in the
 * critical section never replies to the requests it deferred, so a process can only enter afterwards with permission
 * from the holder's next life: `later` is ordered after the crash when its process, before entering, received a
 * message from a later incarnation of the crashed peer (or is that later incarnation itself). Vector clocks cannot say
 * it across a restart, since a restarted peer counts its own entry from the start again.
 */
function crashEnds(events: readonly TraceEvent[]): (crashed: CriticalSection, later: CriticalSection) => boolean {
  const sends = new Map(events.filter((event) => event.kind === 'send').map((event) => [event.messageId, event]));
  const receivesByLife = byLife(events.filter((event) => event.kind === 'receive'));
  return (crashed, later) => {
    const { peer, incarnation } = crashed.enter;
    if (later.enter.peer === peer) return later.enter.incarnation > incarnation;
    const receives = receivesByLife.get(lifeOf(later.enter)) ?? [];
    return receives.some((receive) => {
      const send = receive.messageId === undefined ? undefined : sends.get(receive.messageId);
      return (
        receive.sequence < later.enter.sequence &&
        send !== undefined &&
        send.peer === peer &&
        send.incarnation > incarnation
      );
    });
  };
}

/** Ricart–Agrawala's cost: messages delivered per entry (a send with its receive in the logs); 2(N − 1) expected. */
export function checkMessagesPerEntry(events: readonly TraceEvent[], peerCount: number): CheckResult {
  const algorithm = 'ricart-agrawala';
  const received = new Set(
    events.filter((event) => event.kind === 'receive' && event.algorithm === algorithm).map((event) => event.messageId),
  );
  const delivered = events.filter(
    (event) => event.kind === 'send' && event.algorithm === algorithm && received.has(event.messageId),
  ).length;
  const entries = events.filter((event) => event.kind === 'cs-enter' && event.algorithm === algorithm).length;
  const expected = 2 * (peerCount - 1);
  const perEntry = entries === 0 ? 0 : delivered / entries;
  return {
    name: 'messages per entry',
    passed: entries > 0 && delivered === expected * entries,
    summary: `${delivered} messages for ${entries} entries: ${perEntry.toFixed(2)} per entry, 2(N − 1) = ${expected} for N = ${peerCount}`,
    violations: entries > 0 && delivered !== expected * entries ? [`expected ${expected * entries} messages`] : [],
  };
}
