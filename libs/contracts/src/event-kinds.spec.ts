import { EVENT_KIND_LOG_NAMES, eventKindLogName } from './event-kinds';
import { EventKind } from './gen/distlab/clock/v1/clock';

describe('event kind names', () => {
  it('names every kind of the contract once, both ways', () => {
    const kinds = Object.values(EventKind).filter(
      (kind): kind is EventKind => typeof kind === 'number' && kind !== EventKind.EVENT_KIND_UNSPECIFIED && kind >= 0,
    );
    expect(new Set(Object.values(EVENT_KIND_LOG_NAMES))).toEqual(new Set(kinds));
    for (const [name, kind] of Object.entries(EVENT_KIND_LOG_NAMES)) expect(eventKindLogName(kind)).toBe(name);
  });

  it('reads a kind it does not know as a local event', () => {
    expect(eventKindLogName(EventKind.UNRECOGNIZED)).toBe('local');
    expect(eventKindLogName(99 as EventKind)).toBe('local');
  });
});
