// Your Ricart–Agrawala core: a state machine with no I/O, checked by
//   distlab simulate --algorithm ricart-agrawala --core THIS_FILE            (500 seeds of a faulty network)
//   distlab simulate --algorithm ricart-agrawala --core THIS_FILE --explore  (every delivery order, 3 processes)
// The interface, with everything the checkers demand, is MutexCore in libs/mutex/src/mutex-core.ts. As written, this
// skeleton never enters the critical section, so the checks fail (liveness) until you fill in every TODO.
import type { MutexCore, MutexCoreOptions, MutexInput, MutexOutput, MutexSnapshot } from '@distlab/mutex';

class MyRicartAgrawala implements MutexCore {
  state: 'released' | 'wanted' | 'held' = 'released';
  private lamportTime = 0;

  constructor(private readonly options: MutexCoreOptions) {}

  handle(input: MutexInput): MutexOutput[] {
    switch (input.kind) {
      case 'acquire':
        // TODO: become 'wanted', stamp a request with your Lamport time and send it to every other member
        // ({ kind: 'send', to, message: { kind: 'request', from, timestamp, incarnation } }); enter at once when alone.
        return [];
      case 'release':
        // TODO: become 'released', output { kind: 'exited', fencingToken } and send the replies you deferred.
        return [];
      case 'receive':
        // TODO: a request: reply at once unless you hold the section, or want it with an older (timestamp, id);
        // then defer it. A reply to your current request: once every member has replied, output
        // { kind: 'entered', fencingToken, requestTimestamp } with a token larger than any you have seen.
        return [];
      case 'member-joined':
      case 'member-left':
      case 'member-restarted':
        // TODO: a restarted member lost its state: forget its old request, and ask it again if you are waiting.
        return [];
    }
  }

  describe(): MutexSnapshot {
    return {
      state: this.state,
      requestTimestamp: 0,
      awaiting: [],
      deferred: [],
      members: [...this.options.members],
      fencingToken: 0,
      lamportTime: this.lamportTime,
    };
  }
}

/** Called once per process and per life (after a crash, with a larger incarnation and no memory of before). */
export function createMutexCore(options: MutexCoreOptions): MutexCore {
  return new MyRicartAgrawala(options);
}
