import {
  berkeleyRound,
  bestCristianEstimate,
  compareStamps,
  compareVectors,
  cristianEstimate,
  EMPTY_VECTOR,
  formatVector,
  incrementVector,
  LamportClock,
  mergeVectors,
  parseVector,
  receiveVector,
  type VectorClock,
} from './index';

describe('LamportClock', () => {
  it('ticks on local events and sends, and jumps past a later stamp on receive', () => {
    const clock = new LamportClock();
    expect(clock.tick()).toBe(1);
    expect(clock.tick()).toBe(2);
    expect(clock.receive(10)).toBe(11);
    expect(clock.receive(3)).toBe(12);
  });

  it('stamps a receive after its send, whatever the clocks were (a → b implies L(a) < L(b))', () => {
    const sender = new LamportClock(40);
    const receiver = new LamportClock(2);
    const sent = sender.tick();
    expect(receiver.receive(sent)).toBeGreaterThan(sent);
  });

  it('orders equal times by process id', () => {
    expect(compareStamps({ time: 3, peerId: 2 }, { time: 3, peerId: 5 })).toBeLessThan(0);
    expect(compareStamps({ time: 2, peerId: 9 }, { time: 3, peerId: 1 })).toBeLessThan(0);
  });

  it('refuses a stamp that is not a natural number', () => {
    expect(() => new LamportClock().receive(-1)).toThrow(RangeError);
    expect(() => new LamportClock(1.5)).toThrow(RangeError);
  });
});

describe('vector clocks', () => {
  const v = (text: string): VectorClock => parseVector(text);

  it('decide causality exactly: before, after, equal, concurrent', () => {
    expect(compareVectors(v('1:1'), v('1:2,2:1'))).toBe('before');
    expect(compareVectors(v('1:2,2:1'), v('1:1'))).toBe('after');
    expect(compareVectors(v('1:2,2:1'), v('2:1,1:2'))).toBe('equal');
    expect(compareVectors(v('1:2'), v('2:1'))).toBe('concurrent');
  });

  it('track a message: the receive comes after the send, and after everything before the send', () => {
    const a0 = incrementVector(EMPTY_VECTOR, 1);
    const send = incrementVector(a0, 1);
    const b0 = incrementVector(EMPTY_VECTOR, 2);
    const receive = receiveVector(b0, send, 2);
    expect(formatVector(receive)).toBe('1:2,2:2');
    expect(compareVectors(a0, receive)).toBe('before');
    expect(compareVectors(send, receive)).toBe('before');
    expect(compareVectors(b0, send)).toBe('concurrent');
  });

  it('treat a missing entry as zero, so that processes can join later', () => {
    expect(compareVectors(v('1:1'), v('1:1,7:0'))).toBe('equal');
    expect(compareVectors(v('1:1'), v('1:1,7:1'))).toBe('before');
  });

  it('round-trip through the wire form, and refuse a malformed one', () => {
    expect(formatVector(v('5:1, 1:3'))).toBe('1:3,5:1');
    expect(formatVector(v(''))).toBe('');
    expect(() => v('1:x')).toThrow('not a vector clock entry: "1:x"');
    expect(formatVector(v(' 2:7 ,1:3,  3:1 '))).toBe('1:3,2:7,3:1');
    expect([...v('9:1,3:2')]).toEqual([
      [9, 1],
      [3, 2],
    ]);
    for (const [text, part] of [
      ['1:2,', ''],
      [',1:2', ''],
      ['1:2,,3:4', ''],
      ['1:2 3:4', '1:2 3:4'],
      ['1:2,x,3:4', 'x'],
      ['1234567890:1', '1234567890:1'],
    ])
      expect(() => v(text)).toThrow(`not a vector clock entry: "${part}"`);
  });

  it('merge on receive as mergeVectors then incrementVector would', () => {
    const local = v('1:4,2:1');
    const remote = v('2:3,3:2');
    expect(formatVector(receiveVector(local, remote, 1))).toBe(
      formatVector(incrementVector(mergeVectors(local, remote), 1)),
    );
    expect(formatVector(receiveVector(local, remote, 1))).toBe('1:5,2:3,3:2');
  });

  it('are values: operations never change their inputs', () => {
    const before = v('1:1');
    incrementVector(before, 1);
    receiveVector(before, v('2:5'), 1);
    expect(formatVector(before)).toBe('1:1');
  });
});

describe('Cristian', () => {
  it('corrects the server time by half the round trip, with an error bound of half the round trip', () => {
    expect(cristianEstimate({ sendMs: 1000, serverTimeMs: 1500, receiveMs: 1020 })).toEqual({
      offsetMs: 490,
      roundTripMs: 20,
      errorBoundMs: 10,
    });
  });

  it('keeps the sample with the smallest round trip', () => {
    const best = bestCristianEstimate([
      { sendMs: 0, serverTimeMs: 100, receiveMs: 40 },
      { sendMs: 50, serverTimeMs: 152, receiveMs: 54 },
      { sendMs: 100, serverTimeMs: 230, receiveMs: 130 },
    ]);
    expect(best).toEqual({ offsetMs: 100, roundTripMs: 4, errorBoundMs: 2 });
  });

  it('bounds the true offset whatever the split of the round trip', () => {
    const trueOffsetMs = 250;
    for (const [outMs, backMs] of [
      [0, 10],
      [5, 5],
      [10, 0],
      [1, 9],
    ]) {
      const sendMs = 1000;
      const estimate = cristianEstimate({
        sendMs,
        serverTimeMs: sendMs + outMs + trueOffsetMs,
        receiveMs: sendMs + outMs + backMs,
      });
      expect(Math.abs(estimate.offsetMs - trueOffsetMs)).toBeLessThanOrEqual(estimate.errorBoundMs);
    }
  });

  it('refuses an answer that arrives before its request left', () => {
    expect(() => cristianEstimate({ sendMs: 10, serverTimeMs: 0, receiveMs: 5 })).toThrow(RangeError);
    expect(() => bestCristianEstimate([])).toThrow(RangeError);
  });
});

describe('Berkeley', () => {
  // The master reads at its clock 1000; every reading takes 10 ms of round trip, symmetric.
  const reading = (peerId: number, offsetMs: number) => ({
    peerId,
    sendMs: 1000,
    serverTimeMs: 1005 + offsetMs,
    receiveMs: 1010,
  });

  it('moves every clock, the master included, to the average of the clocks', () => {
    const round = berkeleyRound([reading(2, 30), reading(3, -60)], 1000);
    expect(round.averageOffsetMs).toBeCloseTo(-10);
    expect(round.masterAdjustmentMs).toBeCloseTo(-10);
    expect(round.adjustments.map((entry) => [entry.peerId, Math.round(entry.adjustmentMs)])).toEqual([
      [2, -40],
      [3, 50],
    ]);
    expect(round.errorBoundMs).toBe(5);
  });

  it('leaves a reading far from the others out of the average, but still adjusts that clock', () => {
    const round = berkeleyRound([reading(2, 10), reading(3, -10), reading(4, 60_000)], 500);
    expect(round.averageOffsetMs).toBeCloseTo(0);
    const faulty = round.adjustments.find((entry) => entry.peerId === 4)!;
    expect(faulty.included).toBe(false);
    expect(faulty.adjustmentMs).toBeCloseTo(-60_000);
  });

  it('brings every clock within the reported bound of every other', () => {
    const trueOffsets = new Map([
      [1, 0],
      [2, 480],
      [3, -500],
      [4, 120],
      [5, -37],
    ]);
    const legs = new Map([
      [2, [1, 3]],
      [3, [2, 2]],
      [4, [4, 0]],
      [5, [0.5, 0.7]],
    ]);
    const readings = [...legs].map(([peerId, [outMs, backMs]]) => ({
      peerId,
      sendMs: 1000,
      serverTimeMs: 1000 + outMs + trueOffsets.get(peerId)!,
      receiveMs: 1000 + outMs + backMs,
    }));
    const round = berkeleyRound(readings, 2000);
    const after = new Map([
      [1, round.masterAdjustmentMs],
      ...round.adjustments.map((entry) => [entry.peerId, trueOffsets.get(entry.peerId)! + entry.adjustmentMs] as const),
    ]);
    const values = [...after.values()];
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(round.skewBoundMs);
    for (const value of values) expect(Math.abs(value - round.averageOffsetMs)).toBeLessThanOrEqual(round.errorBoundMs);
  });
});
