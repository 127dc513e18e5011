import type { CheckableAlgorithm, CoreUnderTest } from '../core-check';
import { berkeleyWrongSign, LamportReceiveWithoutMax, VECTOR_RECEIVE_WITHOUT_MERGE } from './clock-bugs';
import { DeclaresWithoutWaiting, LowerIdWins, RingDropsTokenOnDeadSuccessor } from './election-bugs';
import { FencingTokenNotIncreasing, ForgetsDeferredOnExit, NeverDefers, RepliesWhileHolding } from './mutex-bugs';

/** One planted bug: a tiny variant of a reference core, the invariant it breaks, and how soon the simulator must see it. */
export interface PlantedBug {
  name: string;
  algorithm: CheckableAlgorithm;
  /** The invariant the checker reports (the start of the violation's text, after its time). */
  breaks: string;
  /** Whether the sweep runs with faults (some invariants, such as grant order, are checked only without). */
  faults: boolean;
  /** The stated bound: the simulator catches it within this many seeds from seed 1 (the test holds it to that). */
  catchWithinSeeds: number;
  core: CoreUnderTest;
}

export const PLANTED_BUGS: readonly PlantedBug[] = [
  {
    name: 'ra-replies-while-holding',
    algorithm: 'ricart-agrawala',
    breaks: 'mutual exclusion',
    faults: true,
    catchWithinSeeds: 20,
    core: { mutex: (options) => new RepliesWhileHolding(options) },
  },
  {
    name: 'ra-never-defers',
    algorithm: 'ricart-agrawala',
    breaks: 'mutual exclusion',
    faults: true,
    catchWithinSeeds: 20,
    core: { mutex: (options) => new NeverDefers(options) },
  },
  {
    name: 'ra-forgets-deferred-replies-on-exit',
    algorithm: 'ricart-agrawala',
    breaks: 'liveness',
    faults: true,
    catchWithinSeeds: 20,
    core: { mutex: (options) => new ForgetsDeferredOnExit(options) },
  },
  {
    name: 'fencing-token-not-increasing',
    algorithm: 'ricart-agrawala',
    breaks: 'fencing',
    faults: false,
    catchWithinSeeds: 5,
    core: { mutex: (options) => new FencingTokenNotIncreasing(options) },
  },
  {
    name: 'bully-declares-without-waiting',
    algorithm: 'bully',
    breaks: 'leader',
    faults: false,
    catchWithinSeeds: 20,
    core: { election: (options) => new DeclaresWithoutWaiting(options) },
  },
  {
    name: 'bully-lower-id-wins',
    algorithm: 'bully',
    breaks: 'leader',
    faults: false,
    catchWithinSeeds: 5,
    core: { election: (options) => new LowerIdWins(options) },
  },
  {
    name: 'ring-drops-token-on-dead-successor',
    algorithm: 'ring',
    breaks: 'agreement',
    faults: true,
    catchWithinSeeds: 50,
    core: { election: (options) => new RingDropsTokenOnDeadSuccessor(options) },
  },
  {
    name: 'lamport-receive-without-max',
    algorithm: 'lamport',
    breaks: 'Lamport',
    faults: true,
    catchWithinSeeds: 5,
    core: { clocks: { createLamportClock: () => new LamportReceiveWithoutMax() } },
  },
  {
    name: 'vector-receive-without-merge',
    algorithm: 'vector',
    breaks: 'vector',
    faults: true,
    catchWithinSeeds: 5,
    core: { clocks: { vector: VECTOR_RECEIVE_WITHOUT_MERGE } },
  },
  {
    name: 'berkeley-wrong-sign',
    algorithm: 'berkeley',
    breaks: 'Berkeley',
    faults: true,
    catchWithinSeeds: 5,
    core: { clocks: { berkeleyRound: berkeleyWrongSign } },
  },
];
