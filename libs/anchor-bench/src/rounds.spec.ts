import { alternateRounds, describeRounds, formatRate, median, perRoundRatios } from './rounds';

describe('alternateRounds', () => {
  it('flips which side goes first every round', async () => {
    const order: string[] = [];
    const figures = await alternateRounds(3, {
      anchor: async () => (order.push('anchor'), 10),
      distlab: async () => (order.push('distlab'), 5),
    });
    expect(order).toEqual(['anchor', 'distlab', 'distlab', 'anchor', 'anchor', 'distlab']);
    expect(figures).toEqual({ anchor: [10, 10, 10], distlab: [5, 5, 5] });
    expect(perRoundRatios(figures)).toEqual([0.5, 0.5, 0.5]);
    expect(describeRounds(figures)).toBe('rounds: 0.50× 0.50× 0.50×');
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('formatRate', () => {
  it('keeps three significant figures', () => {
    expect(formatRate(812.4, 'ops/s')).toBe('812 ops/s');
    expect(formatRate(5123, 'calls/s')).toBe('5.12k calls/s');
    expect(formatRate(51_230, 'calls/s')).toBe('51.2k calls/s');
  });
});
