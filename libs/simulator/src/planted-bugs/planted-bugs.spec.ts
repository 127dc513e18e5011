// Proves the simulator's checkers can fail: every planted bug of the catalogue is caught within its stated number of
// seeds (the seed and the shortest failing prefix are printed), and the reference cores pass the very same seeds.
import { drawRun, sweep } from '../core-check';
import { PLANTED_BUGS } from './catalogue';

describe.each(PLANTED_BUGS)('planted bug $name', (bug) => {
  it(`is caught by the ${bug.algorithm} simulation within ${bug.catchWithinSeeds} seeds, breaking ${bug.breaks}`, () => {
    const result = sweep(bug.algorithm, {
      faults: bug.faults,
      core: bug.core,
      firstSeed: 1,
      seeds: bug.catchWithinSeeds,
      stopAtFirst: true,
    });
    expect(result.first).toBeDefined();
    const first = result.first!;
    process.stdout.write(
      `${bug.name}: caught at seed ${first.seed} (${result.runs} seeds run)` +
        `${first.prefixSteps === undefined ? '' : `, shortest failing prefix ${first.prefixSteps} steps (the run had ${first.steps})`}` +
        `: ${first.violation.slice(0, 160)}\n`,
    );
    expect(first.violation).toContain(bug.breaks);
  });

  it(`lets the reference ${bug.algorithm} core pass the same ${bug.catchWithinSeeds} seeds`, () => {
    const result = sweep(bug.algorithm, { faults: bug.faults, firstSeed: 1, seeds: bug.catchWithinSeeds });
    expect(result.first).toBeUndefined();
  });
});

describe('a planted bug drawn', () => {
  it.each(PLANTED_BUGS.filter((bug) => bug.algorithm !== 'berkeley').map((bug) => [bug.name, bug] as const))(
    '%s: the failing seed is drawn as the diagram page with the violation marked',
    (_name, bug) => {
      const first = sweep(bug.algorithm, {
        faults: bug.faults,
        core: bug.core,
        firstSeed: 1,
        seeds: bug.catchWithinSeeds,
        stopAtFirst: true,
      }).first!;
      const drawn = drawRun(bug.algorithm, first.seed, {
        faults: bug.faults,
        core: bug.core,
        maxSteps: first.prefixSteps,
      });
      expect(drawn.result.violations.length).toBeGreaterThan(0);
      expect(drawn.events.some((event) => event.label.startsWith('✗'))).toBe(true);
      expect(drawn.html).toContain('FAIL: ');
    },
  );
});
