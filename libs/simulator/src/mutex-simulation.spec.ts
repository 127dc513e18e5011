import { RicartAgrawala } from '@distlab/mutex';
import { simulateRicartAgrawala } from './index';

const SEEDS = 300;

describe('Ricart–Agrawala in the simulator', () => {
  it(`keeps mutual exclusion and grants every request after the heal, over ${SEEDS} seeds with faults`, () => {
    const failed = [];
    let entries = 0;
    for (let seed = 1; seed <= SEEDS; seed += 1) {
      const result = simulateRicartAgrawala(seed, { faults: true });
      entries += result.operations;
      if (result.violations.length > 0) failed.push(`seed=${seed}: ${result.violations.slice(0, 3).join('; ')}`);
    }
    expect(failed).toEqual([]);
    expect(entries).toBeGreaterThan(SEEDS * 3 * 2);
  });

  it('without faults, grants in (timestamp, id) order with increasing tokens and exactly 2(N − 1) messages per entry', () => {
    for (let seed = 1; seed <= 100; seed += 1) {
      expect(simulateRicartAgrawala(seed, { faults: false }).violations).toEqual([]);
    }
  });

  it('replays a run exactly from its seed', () => {
    expect(simulateRicartAgrawala(42, { faults: true })).toEqual(simulateRicartAgrawala(42, { faults: true }));
  });

  it('catches a broken variant that replies while holding (proof that the checker can fail)', () => {
    class RepliesWhileHolding extends RicartAgrawala {
      protected override shouldDefer(): boolean {
        return false;
      }
    }
    const caught = Array.from({ length: 50 }, (_, index) =>
      simulateRicartAgrawala(index + 1, { faults: false, makeCore: (options) => new RepliesWhileHolding(options) }),
    ).filter((result) => result.violations.some((violation) => violation.includes('mutual exclusion violated')));
    expect(caught.length).toBeGreaterThan(0);
  });
});
