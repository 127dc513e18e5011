import { simulateBerkeley, simulateLogicalClocks } from './index';

const SEEDS = 300;

describe('clocks in the simulator', () => {
  it(`Lamport and vector stamps agree with happened-before, over ${SEEDS} seeds with delay, loss and duplication`, () => {
    const failed = Array.from({ length: SEEDS }, (_, index) => simulateLogicalClocks(index + 1, { faults: true }))
      .filter((result) => result.violations.length > 0)
      .map((result) => `seed=${result.seed}: ${result.violations.join('; ')}`);
    expect(failed).toEqual([]);
  });

  it(`Berkeley brings every clock within the reported bound, over ${SEEDS} seeds with skew, drift and a wild clock`, () => {
    const failed = Array.from({ length: SEEDS }, (_, index) => simulateBerkeley(index + 1, { faults: true }))
      .filter((result) => result.violations.length > 0)
      .map((result) => `seed=${result.seed}: ${result.violations.join('; ')}`);
    expect(failed).toEqual([]);
  });
});
