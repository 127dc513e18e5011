/**
 * The peer's messaging layer: what every peer-to-peer message passes through, beneath the features (mutex/,
 * election/, time/, clocks/, chaos/, chat/, cluster/), which import it from here and which it never imports.
 *
 * Out: a driver sends with one call to PeerLinks (`send`, `deliver`, `probe`), saying what the message is; the links
 * apply the injected faults and the stamper fills the envelope (Lamport and vector stamps, incarnation, message id,
 * label) and logs the send. In: the pause interceptor holds calls while the peer is paused, and the receive
 * interceptor reads each envelope, merges its stamps and logs the receive before a handler runs.
 */
export { PeerLinks, PEER_CALL_DEADLINE_MS, MembershipNotReadyError, NotMemberError } from './peer-links';
export type { MembershipChange, MembershipSource } from './peer-links';
export { envelopeMetadata, metadataCarrier, type MessageKind } from './envelope';
export { MessageStamper, BadStampError, readStamp } from './message-stamper';
export { receiveInterceptor, receiveSequenceOf } from './receive-interceptor';
export { LogicalClocks, type Stamp } from './logical-clocks';
export {
  EventLog,
  ForgottenEventsError,
  EVENTS_IN_MEMORY_DEFAULT,
  EVENTS_FILE_MAX_BYTES_DEFAULT,
  lineWithoutShiviz,
  type EventKindName,
  type LoggedEvent,
} from './event-log';
export { FaultInjector, type LinkFaultSettings } from './fault-injector';
export { pauseInterceptor } from './pause-interceptor';
