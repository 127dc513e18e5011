import { netnsUnavailableReason } from '@distlab/testing';
import { startPartitionScenario, type PartitionScenario } from './test-support/partition-scenario';

// The peers on a real network (issue 20): seven hosts, each a network namespace with its own address on one bridge,
// and the leader's host cut off at the kernel, where packets vanish without a reset. The rest must agree on a new
// leader quickly, and after the heal all must follow the highest id again and grant a lock through every peer, instead
// of waiting out TCP's retransmission backoff (which took about 20 s before keepalive and hung-connect replacement).
// The figures are printed; only the run's generous bounds are asserted (the figures are the benchmark's: nx bench peer).

const unavailable = netnsUnavailableReason();
const describeOnLinux = unavailable === undefined ? describe : describe.skip;
if (unavailable !== undefined) console.warn(`real-network test skipped: ${unavailable}`);

describeOnLinux('five peers, a registry and a worker on separate hosts', () => {
  let scenario: PartitionScenario | undefined;

  beforeAll(async () => {
    scenario = await startPartitionScenario();
  }, 120_000);

  afterAll(async () => {
    await scenario?.stop();
  }, 30_000);

  it('elect a new leader when the leader’s host is cut off, and heal within seconds when its link returns', async () => {
    const figures = await scenario!.run(20_000);
    console.log(
      `leader's host cut off: peers 1-4 agreed on 4 after ${figures.failoverMs.toFixed(0)} ms; link back: all agreed ` +
        `on 5 after ${figures.healAgreedMs.toFixed(0)} ms, a lock through every peer after ` +
        `${figures.healLockedMs.toFixed(0)} ms`,
    );
    // The run polls each step with a bound of 20 s and fails past it: generous for a loaded machine (a busy one starts
    // spurious elections, which slow the heal; one CI run beside other tests took 10.1 s to agree). How fast is the
    // benchmark's to say (targets on a quiet machine: 1 s to fail over, 2 s to heal; before keepalive and hung-connect
    // replacement the heal took about 20 s): a test asserts what happens, not how fast this machine is today.
    expect(figures.healLockedMs).toBeGreaterThanOrEqual(figures.healAgreedMs);
  }, 120_000);
});
