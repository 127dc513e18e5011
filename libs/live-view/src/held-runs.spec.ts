import { HeldRuns } from './held-runs';

// The bridge's keeper of the run so far: bounded, the oldest runs going first, every event counted.

describe('the events kept', () => {
  it('holds at most its bound, the oldest runs going a tenth of the bound at a time, and counts every event', () => {
    const runs = new HeldRuns<{ count: number; first: number }>(100);
    for (let first = 1; first <= 1_000; first += 10) runs.add({ count: 10, first });
    expect(runs.count).toBe(1_000);
    expect(runs.held).toBeLessThanOrEqual(100);
    expect(runs.held).toBeGreaterThanOrEqual(90);
    expect(runs.held + runs.forgotten).toBe(1_000);
    // What is held is the newest, in order, without a gap.
    expect(runs.runs.map((run) => run.first)).toEqual(runs.runs.map((_, index) => 1_001 - runs.held + index * 10));
  });

  it('keeps the newest run even when it alone is past the bound', () => {
    const runs = new HeldRuns<{ count: number }>(10);
    runs.add({ count: 4 });
    runs.add({ count: 25 });
    expect([runs.held, runs.forgotten, runs.runs.length]).toEqual([25, 4, 1]);
  });
});
