import type { Endpoint } from './endpoint';
import { candidates, type Picker } from './picker';

/** Each usable endpoint in turn, starting at a random one so that many balancers do not all hit the first. */
export function roundRobinPicker(endpoints: readonly Endpoint[], random: () => number): Picker {
  let next = Math.floor(random() * Math.max(1, endpoints.length));
  return {
    pick: (exclude) => {
      const choices = candidates(endpoints, exclude);
      if (choices.length === 0) return undefined;
      if (choices !== endpoints) return choices[Math.floor(random() * choices.length)];
      const chosen = endpoints[next % endpoints.length];
      next = (next + 1) % endpoints.length;
      return chosen;
    },
  };
}
