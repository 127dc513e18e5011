import { parseUpHost, planSystem } from './system';

// `distlab up --host ADDR` binds and advertises one routable address for everything it starts, so that machines of a
// classroom can join the cluster; without it, everything stays on 127.0.0.1.

const base = { peers: 2, workers: 1, basePort: 40_000, dataDir: 'd', eventsDir: 'e', stateDir: 's' };

describe('planSystem with a host', () => {
  it('binds every process to the host and tells each the others there', () => {
    const plan = planSystem({ ...base, host: '10.20.0.1' });
    expect(plan.registry).toBe('10.20.0.1:40001');
    for (const spec of [plan.balancer, ...plan.others]) {
      expect(spec.args.slice(spec.args.indexOf('--host'), spec.args.indexOf('--host') + 2)).toEqual([
        '--host',
        '10.20.0.1',
      ]);
      expect(spec.address).toMatch(/^10\.20\.0\.1:\d+$/);
      expect(spec.args.join(' ')).not.toContain('127.0.0.1');
    }
    const peer1 = plan.others.find((spec) => spec.name === 'peer-1')!;
    expect(peer1.args.join(' ')).toContain('--peers 2=10.20.0.1:40012 --registry 10.20.0.1:40001');
  });

  it('stays on loopback without one, and brackets an IPv6 host in addresses', () => {
    expect(planSystem(base).registry).toBe('127.0.0.1:40001');
    expect(planSystem({ ...base, host: 'fd00::1' }).registry).toBe('[fd00::1]:40001');
  });

  it('refuses a wildcard, which binds everything but names nothing to advertise', () => {
    expect(() => parseUpHost('0.0.0.0')).toThrow("give this machine's address");
    expect(() => parseUpHost('[::]')).toThrow('binds every interface');
    expect(parseUpHost('192.168.1.10')).toBe('192.168.1.10');
  });
});
