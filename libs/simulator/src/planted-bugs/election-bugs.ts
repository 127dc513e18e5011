import {
  DEFAULT_TIMEOUTS,
  ElectionCore,
  type ElectionInput,
  type ElectionMessage,
  type ElectionOutput,
  type ElectionSnapshot,
  type LeaderElectionCore,
  type LeaderElectionCoreOptions,
} from '@distlab/election';

/** Bully and Ring with one thing wrong each (see mutex-bugs.ts for why). */

/** A Bully candidate declares itself leader the moment it starts, without waiting for higher processes to answer. */
export class DeclaresWithoutWaiting extends ElectionCore {
  override handle(input: ElectionInput): ElectionOutput[] {
    const outputs = super.handle(input);
    const startedBully = outputs.some((output) => output.kind === 'election-started' && output.algorithm === 'bully');
    if (!startedBully || !('nowMs' in input)) return outputs;
    // The answer timeout "passes" at once: the candidate wins before any answer could arrive.
    return [...outputs, ...super.handle({ kind: 'tick', nowMs: input.nowMs + DEFAULT_TIMEOUTS.answerTimeoutMs })];
  }
}

/** Drops a ring message whose successor is unreachable, instead of passing it to the next one round the ring. */
export class RingDropsTokenOnDeadSuccessor extends ElectionCore {
  override handle(input: ElectionInput): ElectionOutput[] {
    if (input.kind === 'send-failed' && input.message.kind.startsWith('ring-')) return [];
    return super.handle(input);
  }
}

const MIRROR = 1_000_000;
const mirror = (peerId: number) => MIRROR - peerId;

/**
 * Compares ids the wrong way round, so the lowest id wins: the reference core run on mirrored ids (every id it sees
 * is turned into MIRROR − id, and back on the way out), which is what flipping every comparison would do.
 */
export class LowerIdWins implements LeaderElectionCore {
  readonly self: number;
  private readonly inner: ElectionCore;

  constructor(options: LeaderElectionCoreOptions) {
    this.self = options.self;
    this.inner = new ElectionCore({ ...options, self: mirror(options.self), members: options.members.map(mirror) });
  }

  handle(input: ElectionInput): ElectionOutput[] {
    const outputs = this.inner.handle(mirrorInput(input));
    return outputs.map((output) => {
      if (output.kind === 'send') return { ...output, to: mirror(output.to), message: mirrorMessage(output.message) };
      if (output.kind === 'leader-changed') return { ...output, leader: mirror(output.leader) };
      return output;
    });
  }

  describe(): ElectionSnapshot {
    const snapshot = this.inner.describe();
    return { ...snapshot, leader: snapshot.leader === undefined ? undefined : mirror(snapshot.leader) };
  }

  nextDeadlineMs(): number | undefined {
    return this.inner.nextDeadlineMs();
  }
}

function mirrorInput(input: ElectionInput): ElectionInput {
  switch (input.kind) {
    case 'receive':
      return { ...input, message: mirrorMessage(input.message) };
    case 'send-failed':
      return { ...input, to: mirror(input.to), message: mirrorMessage(input.message) };
    case 'member-joined':
    case 'member-left':
    case 'heard-from':
      return { ...input, peerId: mirror(input.peerId) };
    default:
      return input;
  }
}

function mirrorMessage(message: ElectionMessage): ElectionMessage {
  const mirrored = { ...message, from: mirror(message.from) } as ElectionMessage;
  if ('initiator' in mirrored) mirrored.initiator = mirror(mirrored.initiator);
  if ('participants' in mirrored) mirrored.participants = mirrored.participants.map(mirror);
  if (mirrored.kind === 'ring-coordinator') mirrored.leader = mirror(mirrored.leader);
  if (mirrored.kind === 'heartbeat-ack' && mirrored.leader !== undefined) mirrored.leader = mirror(mirrored.leader);
  return mirrored;
}
