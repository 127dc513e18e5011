import { EventKind, type Event } from '@distlab/contracts/clock/v1/clock';
import type { WireEvent } from './wire';

const KIND_NAMES: Record<number, WireEvent['kind']> = {
  [EventKind.EVENT_KIND_LOCAL]: 'local',
  [EventKind.EVENT_KIND_SEND]: 'send',
  [EventKind.EVENT_KIND_RECEIVE]: 'receive',
  [EventKind.EVENT_KIND_CRITICAL_SECTION_ENTER]: 'cs-enter',
  [EventKind.EVENT_KIND_CRITICAL_SECTION_EXIT]: 'cs-exit',
  [EventKind.EVENT_KIND_ELECTION]: 'election',
  [EventKind.EVENT_KIND_LEADER_CHANGED]: 'leader-changed',
  [EventKind.EVENT_KIND_CLOCK_ADJUSTED]: 'clock-adjusted',
};

/**
 * A WatchEvents event as the page gets it. The vector is written as the log files write it ("1:3,2:1", ids in
 * order), so that the page and `distlab trace` show the same text for the same event.
 */
export function toWireEvent(event: Event, incarnation: number): WireEvent {
  const vector = Object.entries(event.stamp?.vector ?? {})
    .map(([peer, count]) => [Number(peer), Number(count)] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([peer, count]) => `${peer}:${count}`)
    .join(',');
  return {
    peer: event.peerId,
    incarnation,
    sequence: Number(event.sequence),
    kind: KIND_NAMES[event.kind] ?? 'local',
    lamport: Number(event.stamp?.lamport ?? 0),
    vector,
    wallTime: event.wallTime?.toISOString() ?? '',
    algorithm: event.algorithm,
    label: event.label,
    remotePeer: event.remotePeerId || undefined,
    messageId: event.messageId || undefined,
  };
}
