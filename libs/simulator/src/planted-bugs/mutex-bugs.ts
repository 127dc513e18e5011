import { RicartAgrawala, type MutexInput, type MutexOutput } from '@distlab/mutex';

/**
 * Ricart–Agrawala with one thing wrong each: the catalogue of planted bugs that shows the simulator's checkers can
 * fail. Each is the reference with one decision changed, named for what it breaks.
 */

/** Answers a request at once while in the critical section (it still defers while waiting with an older request). */
export class RepliesWhileHolding extends RicartAgrawala {
  protected override shouldDefer(timestamp: number, from: number): boolean {
    return this.state === 'held' ? false : super.shouldDefer(timestamp, from);
  }
}

/** Never defers a reply: every request is granted at once, whatever this process is doing. */
export class NeverDefers extends RicartAgrawala {
  protected override shouldDefer(): boolean {
    return false;
  }
}

/** Leaves the critical section without sending the replies it deferred: whoever waited on it waits for ever. */
export class ForgetsDeferredOnExit extends RicartAgrawala {
  override handle(input: MutexInput): MutexOutput[] {
    const outputs = super.handle(input);
    return input.kind === 'release' ? outputs.filter((output) => output.kind !== 'send') : outputs;
  }
}

/** Hands out the same fencing token at every grant, so a storage service cannot refuse a stale holder's write. */
export class FencingTokenNotIncreasing extends RicartAgrawala {
  override handle(input: MutexInput): MutexOutput[] {
    return super
      .handle(input)
      .map((output) =>
        output.kind === 'entered' || output.kind === 'exited' ? { ...output, fencingToken: 1 } : output,
      );
  }
}
