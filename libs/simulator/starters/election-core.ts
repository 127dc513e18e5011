// Your Bully (or Ring) election core: a state machine with no I/O and no clock of its own, checked by
//   distlab simulate --algorithm bully --core THIS_FILE     (or --algorithm ring)
// The interface, with everything the checkers demand, is LeaderElectionCore in
// libs/election/src/election-core-interface.ts. As written, this skeleton never elects anyone, so the checks fail
// (agreement) until you fill in every TODO.
import type {
  ElectionInput,
  ElectionOutput,
  ElectionSnapshot,
  LeaderElectionCore,
  LeaderElectionCoreOptions,
} from '@distlab/election';

class MyBully implements LeaderElectionCore {
  readonly self: number;
  private leader: number | undefined;
  private term = 0;

  constructor(private readonly options: LeaderElectionCoreOptions) {
    this.self = options.self;
  }

  handle(input: ElectionInput): ElectionOutput[] {
    switch (input.kind) {
      case 'start':
      case 'tick':
        // TODO: with no leader (at start-up, or after the leader stopped answering heartbeats) start an election:
        // send { kind: 'election', from, term } to every higher id and remember a deadline (input.nowMs + a timeout).
        // When the deadline passes with no answer, you are the highest live process: output leader-changed and send
        // { kind: 'coordinator', from, term } to everyone.
        return [];
      case 'receive':
        // TODO: 'election' from a lower id: send 'answer' and run your own election. 'answer': wait for a
        // coordinator instead. 'coordinator': follow it (output leader-changed) unless you are higher.
        return [];
      case 'send-failed':
        // TODO: the receiver is down; for a heartbeat to your leader, that means: elect a new one.
        return [];
      case 'member-joined':
      case 'member-left':
      case 'heard-from':
        return [];
    }
  }

  describe(): ElectionSnapshot {
    return { leader: this.leader, term: this.term, algorithm: this.options.algorithm, electionInProgress: false };
  }

  nextDeadlineMs(): number | undefined {
    // TODO: the earliest deadline you wait for (answer timeout, next heartbeat), so the driver ticks you then.
    return undefined;
  }
}

/** Called once per process and per life (a restarted process starts afresh). */
export function createElectionCore(options: LeaderElectionCoreOptions): LeaderElectionCore {
  return new MyBully(options);
}
