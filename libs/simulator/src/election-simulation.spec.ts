import { simulateElection } from './index';

const SEEDS = 300;

describe.each(['bully', 'ring'] as const)('%s in the simulator', (algorithm) => {
  it(`agrees on the highest live id after the heal, over ${SEEDS} seeds with crashes, partitions, loss and clock skew`, () => {
    const failed: string[] = [];
    for (let seed = 1; seed <= SEEDS; seed += 1) {
      const result = simulateElection(seed, { algorithm, faults: true });
      if (result.violations.length > 0) failed.push(`seed=${seed}: ${result.violations.join('; ')}`);
    }
    expect(failed).toEqual([]);
  });

  it('counts the messages of one election without faults', () => {
    const counts = Array.from({ length: 50 }, (_, index) => simulateElection(index + 1, { algorithm, faults: false }));
    expect(counts.flatMap((result) => result.violations)).toEqual([]);
    expect(counts.every((result) => result.messages > 0)).toBe(true);
  });
});
