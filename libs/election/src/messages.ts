/** The election's messages, inputs and outputs: the whole interface of the state machine. */
export type PeerId = number;
export type ElectionAlgorithm = 'bully' | 'ring';

export type ElectionMessage =
  /** Bully: a candidate challenges a higher process. */
  | { kind: 'election'; from: PeerId; term: number }
  /** Bully: a higher process is alive and takes over. */
  | { kind: 'answer'; from: PeerId; term: number }
  /** Bully: the sender is the leader of `term`. */
  | { kind: 'coordinator'; from: PeerId; term: number }
  /** Ring: collects the live ids on its way round, starting at `initiator`. */
  | { kind: 'ring-election'; from: PeerId; initiator: PeerId; term: number; participants: PeerId[] }
  /** Ring: announces the leader on one more way round. */
  | { kind: 'ring-coordinator'; from: PeerId; initiator: PeerId; leader: PeerId; term: number; participants: PeerId[] }
  /** Failure detection: a follower probes its leader. */
  | { kind: 'heartbeat'; from: PeerId; term: number }
  /** The probed process says whom it follows. */
  | { kind: 'heartbeat-ack'; from: PeerId; leader: PeerId | undefined; term: number };

export type ElectionInput =
  /** Start an election now (a user asked, or the driver knows better). */
  | { kind: 'start'; nowMs: number; algorithm?: ElectionAlgorithm }
  | { kind: 'receive'; message: ElectionMessage; nowMs: number }
  /** The transport could not deliver a message (the RPC failed): the receiver is unreachable for now. */
  | { kind: 'send-failed'; to: PeerId; message: ElectionMessage; nowMs: number }
  /** Time passed: deadlines that are due fire. */
  | { kind: 'tick'; nowMs: number }
  /** A process joined the membership (discovered, or added by an operator). */
  | { kind: 'member-joined'; peerId: PeerId; nowMs: number }
  /** A process was taken out of the membership (an operator's decision: suspicion alone never removes one). */
  | { kind: 'member-left'; peerId: PeerId; nowMs: number }
  /** A message of any algorithm came from `peerId`: it was alive when it sent it. */
  | { kind: 'heard-from'; peerId: PeerId; nowMs: number };

export type ElectionOutput =
  | { kind: 'send'; to: PeerId; message: ElectionMessage }
  | { kind: 'leader-changed'; leader: PeerId; term: number; algorithm: ElectionAlgorithm }
  | { kind: 'election-started'; term: number; algorithm: ElectionAlgorithm };
