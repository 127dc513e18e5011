import { parseH2loadOutput } from './h2load';

// h2load's summary, as nghttp2 1.52 prints it, is the only source of the nginx rows' figures: a change in its format
// must fail loudly instead of reading a wrong number.
const SUMMARY = `finished in 2.00s, 2748.00 req/s, 184.48KB/s
requests: 5496 total, 5560 started, 5496 done, 5490 succeeded, 4 failed, 2 errored, 0 timeout
status codes: 5496 2xx, 0 3xx, 0 4xx, 0 5xx
                     min         max         mean         sd        +/- sd
time for request:     1.09ms    106.17ms     23.17ms     17.88ms    85.64%
time for connect:      139us       139us       139us         0us   100.00%
`;

describe('parseH2loadOutput', () => {
  it('reads the rate, the counts and the mean time for a request', () => {
    expect(parseH2loadOutput(SUMMARY)).toEqual({ callsPerSecond: 2748, succeeded: 5490, failed: 6, meanMs: 23.17 });
  });

  it('converts microseconds and seconds to milliseconds', () => {
    const micro = SUMMARY.replace('    23.17ms', '      876us');
    expect(parseH2loadOutput(micro).meanMs).toBeCloseTo(0.876, 6);
    expect(parseH2loadOutput(SUMMARY.replace('    23.17ms', '      1.50s')).meanMs).toBe(1500);
  });

  it('throws with the output when there is no summary', () => {
    expect(() => parseH2loadOutput('connect to 127.0.0.1 failed')).toThrow(/h2load printed no summary/);
  });
});
