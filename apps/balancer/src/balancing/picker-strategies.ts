import type { PickerFactory } from './picker';
import { leastOutstandingPicker } from './least-outstanding';
import { randomPicker } from './random';
import { roundRobinPicker } from './round-robin';

/**
 * The picking strategies by the name a balancer is configured with: one file each, registered here, so that the
 * strategies and the Picker interface they implement (picker.ts) do not import each other.
 */
export const STRATEGIES = {
  round_robin: roundRobinPicker,
  random: randomPicker,
  least_outstanding: leastOutstandingPicker,
} satisfies Record<string, PickerFactory>;

export type StrategyName = keyof typeof STRATEGIES;
