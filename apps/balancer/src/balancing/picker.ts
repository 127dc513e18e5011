import type { Endpoint } from './endpoint';

/**
 * A picker is an immutable snapshot of the usable endpoints of one service plus a rule for choosing among them, as in
 * grpc-js: membership or health changes never mutate a picker, they replace it. `pick` returns undefined when no
 * endpoint is usable.
 */
export interface Picker {
  pick(exclude?: ReadonlySet<Endpoint>): Endpoint | undefined;
}

/** Builds a picker over the usable endpoints; `random` is injected so that tests can seed it. */
export type PickerFactory = (endpoints: readonly Endpoint[], random: () => number) => Picker;

/** The endpoints a pick may choose from: usable, and not among those a retry must avoid. */
export function candidates(endpoints: readonly Endpoint[], exclude?: ReadonlySet<Endpoint>): readonly Endpoint[] {
  return exclude === undefined || exclude.size === 0
    ? endpoints
    : endpoints.filter((endpoint) => !exclude.has(endpoint));
}
