import type { Endpoint } from './endpoint';
import { candidates, type Picker } from './picker';

/** A usable endpoint chosen uniformly at random. */
export function randomPicker(endpoints: readonly Endpoint[], random: () => number): Picker {
  return {
    pick: (exclude) => {
      const choices = candidates(endpoints, exclude);
      return choices.length === 0 ? undefined : choices[Math.floor(random() * choices.length)];
    },
  };
}
