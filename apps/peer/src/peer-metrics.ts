import { sharedCounter, sharedGauge, sharedHistogram } from '@distlab/grpc-kit';

/**
 * The lab's own figures of a peer, beside the kit's per-call metrics on the same /metrics endpoint: how long clients
 * wait for the critical section and hold it, how often and how long elections run, and where the clock stands after
 * each synchronization. Made on first use in the process registry, so that every driver in a process shares them.
 */
function makePeerMetrics() {
  return {
    lockWaitSeconds: sharedHistogram({
      name: 'distlab_lock_wait_seconds',
      help: 'Time a client waited in Acquire, from the call to the grant of the critical section, in seconds.',
    }),
    lockHoldSeconds: sharedHistogram({
      name: 'distlab_lock_hold_seconds',
      help: 'Time the critical section was held, from the grant to Release or the end of the lease, in seconds.',
    }),
    electionsStarted: sharedCounter({
      name: 'distlab_elections_started_total',
      help: 'Elections this peer started or joined as a candidate, by algorithm.',
      labelNames: ['algorithm'],
    }),
    leaderChanges: sharedCounter({
      name: 'distlab_leader_changes_total',
      help: 'Times this peer learned of a new leader or term, by algorithm.',
      labelNames: ['algorithm'],
    }),
    electionSeconds: sharedHistogram({
      name: 'distlab_election_duration_seconds',
      help: 'Time from the start of an election on this peer to the leader it learned, in seconds.',
      labelNames: ['algorithm'],
    }),
    leaderId: sharedGauge({
      name: 'distlab_leader_id',
      help: 'The leader this peer knows (0 when none is known yet).',
    }),
    clockAdjustmentSeconds: sharedGauge({
      name: 'distlab_clock_last_adjustment_seconds',
      help: 'The last adjustment applied to this peer clock by a synchronization, in seconds, by algorithm.',
      labelNames: ['algorithm'],
    }),
    clockOffsetSeconds: sharedGauge({
      name: 'distlab_clock_offset_seconds',
      help: "This peer's clock minus the machine's system clock after the last synchronization, in seconds.",
    }),
    clockSyncs: sharedCounter({
      name: 'distlab_clock_adjustments_total',
      help: 'Adjustments applied to this peer clock, by algorithm (cristian, berkeley).',
      labelNames: ['algorithm'],
    }),
  };
}

/** The metrics of one process, made once. */
let made: ReturnType<typeof makePeerMetrics> | undefined;

/** The peer's metrics, shared by its drivers. */
export function labMetrics(): ReturnType<typeof makePeerMetrics> {
  made ??= makePeerMetrics();
  return made;
}
