import { seededRandom } from '@distlab/testing';
import { Endpoint } from './endpoint';
import { STRATEGIES } from './picker-strategies';

function endpoints(count: number): Endpoint[] {
  return Array.from({ length: count }, (_, index) => {
    const endpoint = new Endpoint('svc', `127.0.0.1:${7000 + index}`);
    endpoint.health = 'serving';
    return endpoint;
  });
}

function tally(picks: Array<Endpoint | undefined>): number[] {
  const counts = new Map<string, number>();
  for (const pick of picks) counts.set(pick!.address, (counts.get(pick!.address) ?? 0) + 1);
  return [...counts.values()].sort((a, b) => a - b);
}

describe('round_robin', () => {
  it('visits every endpoint in turn', () => {
    const backends = endpoints(3);
    const picker = STRATEGIES.round_robin(backends, seededRandom(1));
    const picks = Array.from({ length: 9 }, () => picker.pick()!.address);
    expect(picks.slice(0, 3).sort()).toEqual(backends.map((endpoint) => endpoint.address).sort());
    expect(picks.slice(3, 6)).toEqual(picks.slice(0, 3));
    expect(tally(picks.map((address) => backends.find((endpoint) => endpoint.address === address)))).toEqual([3, 3, 3]);
  });

  it('skips an excluded endpoint (a retry never goes back to the one that failed)', () => {
    const backends = endpoints(3);
    const picker = STRATEGIES.round_robin(backends, seededRandom(2));
    for (let index = 0; index < 30; index += 1) expect(picker.pick(new Set([backends[0]]))).not.toBe(backends[0]);
    expect(picker.pick(new Set(backends))).toBeUndefined();
  });
});

describe('random', () => {
  it('spreads picks evenly', () => {
    const picker = STRATEGIES.random(endpoints(4), seededRandom(3));
    const counts = tally(Array.from({ length: 8000 }, () => picker.pick()));
    expect(counts).toHaveLength(4);
    for (const count of counts) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });
});

describe('least_outstanding (power of two choices)', () => {
  it('spreads picks evenly when every endpoint is equally busy', () => {
    const picker = STRATEGIES.least_outstanding(endpoints(4), seededRandom(4));
    const counts = tally(Array.from({ length: 8000 }, () => picker.pick()));
    for (const count of counts) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  it('steers away from a busy endpoint', () => {
    const backends = endpoints(4);
    backends[0].inFlight = 50;
    const picker = STRATEGIES.least_outstanding(backends, seededRandom(5));
    const picks = Array.from({ length: 4000 }, () => picker.pick());
    expect(picks.filter((pick) => pick === backends[0]).length).toBe(0);
  });

  it('answers undefined with no endpoint, and the only one with one', () => {
    expect(STRATEGIES.least_outstanding([], seededRandom(6)).pick()).toBeUndefined();
    const [only] = endpoints(1);
    expect(STRATEGIES.least_outstanding([only], seededRandom(6)).pick()).toBe(only);
  });
});
