import type { Endpoint } from './endpoint';
import { candidates, type Picker } from './picker';

/**
 * Power of two choices: two distinct usable endpoints at random, and the one with fewer calls in flight. It avoids a
 * slow backend almost as well as scanning all of them, without herding every call onto the momentarily emptiest one.
 */
export function leastOutstandingPicker(endpoints: readonly Endpoint[], random: () => number): Picker {
  return {
    pick: (exclude) => {
      const choices = candidates(endpoints, exclude);
      if (choices.length <= 1) return choices[0];
      const first = Math.floor(random() * choices.length);
      const second = (first + 1 + Math.floor(random() * (choices.length - 1))) % choices.length;
      const [a, b] = [choices[first], choices[second]];
      return b.inFlight < a.inFlight ? b : a;
    },
  };
}
