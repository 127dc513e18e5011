import type { CheckResult } from './check-result';
import { byLife, type TraceEvent } from './event-record';

/** The leader a `leader-changed` event names: its `leader` field, or "leader is N" in its label (as the peers write). */
export function leaderOf(event: TraceEvent): number | undefined {
  if (event.leader !== undefined) return event.leader;
  const match = /leader is (\d+)/.exec(event.label);
  return match === null ? undefined : Number(match[1]);
}

/**
 * One agreed leader at the end: every peer's last life that ever learned of a leader last followed the same one, and
 * that leader is the highest peer id among those lives (the Bully and Ring promise, once faults heal and the run
 * settles). A log can only say what each peer last believed, so a run cut off mid-election can fail this honestly.
 */
export function checkLeaderAgreement(events: readonly TraceEvent[]): CheckResult {
  const lastLives = new Map<number, TraceEvent[]>();
  for (const life of byLife(events).values()) {
    const peer = life[0].peer;
    const known = lastLives.get(peer);
    if (known === undefined || known[0].incarnation < life[0].incarnation) lastLives.set(peer, life);
  }
  const beliefs = new Map<number, number>();
  for (const [peer, life] of lastLives) {
    const changes = life.filter((event) => event.kind === 'leader-changed');
    const leader = changes.length === 0 ? undefined : leaderOf(changes[changes.length - 1]);
    if (leader !== undefined) beliefs.set(peer, leader);
  }
  const leaders = new Set(beliefs.values());
  const highest = Math.max(...lastLives.keys());
  const violations: string[] = [];
  if (leaders.size > 1)
    violations.push(`peers disagree: ${[...beliefs].map(([peer, leader]) => `${peer}→${leader}`).join(' ')}`);
  if (leaders.size === 1 && !leaders.has(highest))
    violations.push(`all follow ${[...leaders][0]}, but peer ${highest} logged too and is higher`);
  return {
    name: 'leader agreement',
    passed: violations.length === 0,
    summary: `${beliefs.size} peers named a leader last: ${[...leaders].join(', ') || 'none'}; the highest peer that logged is ${highest}`,
    violations,
  };
}
