import { EventKind } from './gen/distlab/clock/v1/clock';

/**
 * The name an event kind has in the peers' JSON-lines event logs (docs/event-log-format.md) and everywhere the logs
 * are read (the checkers, `distlab trace`, the live view). One table for both directions, so the wire enum and the
 * log's words cannot drift apart.
 */
export const EVENT_KIND_LOG_NAMES = {
  local: EventKind.EVENT_KIND_LOCAL,
  send: EventKind.EVENT_KIND_SEND,
  receive: EventKind.EVENT_KIND_RECEIVE,
  'cs-enter': EventKind.EVENT_KIND_CRITICAL_SECTION_ENTER,
  'cs-exit': EventKind.EVENT_KIND_CRITICAL_SECTION_EXIT,
  election: EventKind.EVENT_KIND_ELECTION,
  'leader-changed': EventKind.EVENT_KIND_LEADER_CHANGED,
  'clock-adjusted': EventKind.EVENT_KIND_CLOCK_ADJUSTED,
} as const satisfies Record<string, EventKind>;

/** An event kind as the logs write it: "send", "cs-enter", ... */
export type EventKindLogName = keyof typeof EVENT_KIND_LOG_NAMES;

const LOG_NAME_OF = new Map<EventKind, EventKindLogName>(
  Object.entries(EVENT_KIND_LOG_NAMES).map(([name, kind]) => [kind, name as EventKindLogName]),
);

/** The log's name for a wire event kind; "local" for one this build does not know (a newer peer's). */
export function eventKindLogName(kind: EventKind): EventKindLogName {
  return LOG_NAME_OF.get(kind) ?? 'local';
}
