import { eventKindLogName } from '@distlab/contracts';
import type { Event } from '@distlab/contracts/clock/v1/clock';
import type { WireEvent } from './wire';

/**
 * A WatchEvents event message as the page gets it, from a peer asked for EVENT_ENCODING_MESSAGES: the fields of its
 * log line. The vector is written as the log files write it ("1:3,2:1", ids in order), so that the page and
 * `distlab trace` show the same text for the same event.
 */
export function toWireEvent(event: Event, incarnation: number): WireEvent {
  const vector = Object.entries(event.stamp?.vector ?? {})
    .map(([peer, count]) => [Number(peer), Number(count)] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([peer, count]) => `${peer}:${count}`)
    .join(',');
  // The sequence first, as the peers write it: the bridge reads it from the line's start (event-chunk.ts).
  return {
    sequence: Number(event.sequence),
    peer: event.peerId,
    incarnation,
    kind: eventKindLogName(event.kind),
    lamport: Number(event.stamp?.lamport ?? 0),
    vector,
    wallTime: event.wallTime?.toISOString() ?? '',
    algorithm: event.algorithm,
    label: event.label,
    remotePeer: event.remotePeerId || undefined,
    messageId: event.messageId || undefined,
  };
}
