import { Metadata } from '@grpc/grpc-js';
import type { Envelope } from '@distlab/contracts/mutex/v1/mutex';

// The envelope of every peer-to-peer message, and where it travels: a unary call's metadata, or the `stamp` field of
// a stream's frame. The stamper fills it (message-stamper.ts) and reads it, by metadata key, whatever carries it.

/** The metadata keys that carry the sender's stamp on every peer-to-peer call (documented in clock.proto). */
export const STAMP_KEYS = { sender: 'distlab-sender', lamport: 'distlab-lamport', vector: 'distlab-vector' } as const;

/**
 * The envelope's metadata keys (documented in clock.proto): the sender's stamps, its incarnation, a message id shared by
 * the send and receive events, and the label and algorithm the events are logged under.
 */
export const ENVELOPE_KEYS = {
  ...STAMP_KEYS,
  incarnation: 'distlab-incarnation',
  messageId: 'distlab-message-id',
  label: 'distlab-label',
  algorithm: 'distlab-algorithm',
} as const;

/** What a message is, as a driver says it: the algorithm it belongs to and the label its events are logged under. */
export interface MessageKind {
  algorithm: string;
  label: string;
}

/** Where an envelope's entries are read, by metadata key. `get` returns undefined for an absent entry. */
export interface EnvelopeCarrier {
  get(key: string): string | undefined;
}

class MetadataCarrier implements EnvelopeCarrier {
  constructor(private readonly metadata: Metadata) {}

  get(key: string): string | undefined {
    const value = this.metadata.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  }
}

/** The envelope of a unary call, in its metadata. */
export function metadataCarrier(metadata: Metadata): EnvelopeCarrier {
  return new MetadataCarrier(metadata);
}

/**
 * An Envelope message (a stream frame's `stamp`) as a carrier: each field is the metadata entry of its name. Proto3
 * cannot tell an unset field from its zero, so a zero incarnation, message id, label or algorithm reads as absent
 * (their defaults then apply); a zero sender reads as 0 and is refused, as a sender must be named.
 */
class EnvelopeFields implements EnvelopeCarrier {
  constructor(private readonly fields: Envelope) {}

  get(key: string): string | undefined {
    const fields = this.fields;
    switch (key) {
      case ENVELOPE_KEYS.sender:
        return String(fields.sender);
      case ENVELOPE_KEYS.lamport:
        return fields.lamport;
      case ENVELOPE_KEYS.vector:
        return fields.vector;
      case ENVELOPE_KEYS.incarnation:
        return fields.incarnation === '0' ? undefined : fields.incarnation;
      case ENVELOPE_KEYS.messageId:
        return fields.messageId === '' ? undefined : fields.messageId;
      case ENVELOPE_KEYS.label:
        return fields.label === '' ? undefined : fields.label;
      case ENVELOPE_KEYS.algorithm:
        return fields.algorithm === '' ? undefined : fields.algorithm;
      default:
        return undefined;
    }
  }
}

/** The envelope a stream frame carries in its `stamp` field, if any. */
export function carriedEnvelope(message: unknown): EnvelopeCarrier | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { stamp } = message as { stamp?: Envelope };
  return typeof stamp === 'object' && stamp !== null ? new EnvelopeFields(stamp) : undefined;
}

/** A filled envelope as the metadata of a unary call (the driver may add call options to it). */
export function envelopeMetadata(envelope: Envelope): Metadata {
  const metadata = new Metadata();
  metadata.set(ENVELOPE_KEYS.sender, String(envelope.sender));
  metadata.set(ENVELOPE_KEYS.lamport, envelope.lamport);
  metadata.set(ENVELOPE_KEYS.vector, envelope.vector);
  metadata.set(ENVELOPE_KEYS.incarnation, envelope.incarnation);
  metadata.set(ENVELOPE_KEYS.messageId, envelope.messageId);
  metadata.set(ENVELOPE_KEYS.label, envelope.label);
  metadata.set(ENVELOPE_KEYS.algorithm, envelope.algorithm);
  return metadata;
}
