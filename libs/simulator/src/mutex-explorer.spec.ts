import { RicartAgrawala } from '@distlab/mutex';
import { exploreMutex } from './mutex-explorer';
import {
  FencingTokenNotIncreasing,
  ForgetsDeferredOnExit,
  NeverDefers,
  RepliesWhileHolding,
} from './planted-bugs/mutex-bugs';
import { canonicalJson, cloneState } from './state-clone';

// The exhaustive search of 3 processes each entering once: the reference survives every delivery order; each planted
// Ricart–Agrawala bug is found, as a shortest counterexample that is drawn like any simulated run.

describe('exhaustive search of Ricart–Agrawala', () => {
  it('finds no violation in any delivery order for the reference, and says how many states it explored', () => {
    const result = exploreMutex();
    process.stdout.write(
      `reference: ${result.statesExplored} states, depth ${result.depth}, exhaustive ${result.exhaustive}\n`,
    );
    expect(result.counterexample).toBeUndefined();
    expect(result.exhaustive).toBe(true);
    expect(result.statesExplored).toBeGreaterThan(1000);
  });

  it.each([
    ['ra-never-defers', NeverDefers, 'mutual exclusion violated'],
    ['ra-replies-while-holding', RepliesWhileHolding, 'mutual exclusion violated'],
    ['ra-forgets-deferred-replies-on-exit', ForgetsDeferredOnExit, 'deadlock'],
    ['fencing-token-not-increasing', FencingTokenNotIncreasing, 'fencing'],
  ] as const)('finds %s with a shortest counterexample, drawn with the violation marked', (name, Core, invariant) => {
    const result = exploreMutex({ makeCore: (options) => new Core(options) });
    const counterexample = result.counterexample!;
    expect(counterexample.violation).toContain(invariant);
    process.stdout.write(
      `${name}: ${result.statesExplored} states, counterexample of ${counterexample.path.length} events:\n  ${counterexample.path.join('\n  ')}\n`,
    );
    expect(counterexample.events.some((event) => event.label.startsWith('✗'))).toBe(true);
    expect(counterexample.html).toContain('<svg');
    // Breadth-first: a search bounded one event shorter finds nothing.
    const shorter = exploreMutex({
      makeCore: (options) => new Core(options),
      maxDepth: counterexample.path.length - 1,
    });
    expect(shorter.counterexample).toBeUndefined();
  });

  it('tries every crash-and-restart point too: the reference survives one crash anywhere within the depth bound', () => {
    const result = exploreMutex({ crashes: 1, maxDepth: 6 });
    process.stdout.write(`reference, 1 crash, depth ≤ 6: ${result.statesExplored} states\n`);
    expect(result.counterexample).toBeUndefined();
    expect(result.exhaustive).toBe(false);
    expect(result.statesExplored).toBeGreaterThan(exploreMutex({ maxDepth: 6 }).statesExplored);
  });

  it('clones a core with its methods, and fingerprints equal states alike', () => {
    const core = new RicartAgrawala({ self: 1, members: [1, 2, 3], incarnation: 1 });
    const copy = cloneState(core);
    copy.handle({ kind: 'acquire' });
    expect(copy.state).toBe('wanted');
    expect(core.state).toBe('released');
    expect(
      canonicalJson(
        new Map([
          [2, 'b'],
          [1, 'a'],
        ]),
      ),
    ).toBe(
      canonicalJson(
        new Map([
          [1, 'a'],
          [2, 'b'],
        ]),
      ),
    );
  });
});
