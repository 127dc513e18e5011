import type { Metadata } from '@grpc/grpc-js';
import type { Envelope } from '@distlab/contracts/mutex/v1/mutex';
import { STAMP_KEYS } from '../clocks/logical-clocks';

// Where a peer-to-peer message's envelope lives: a unary call's metadata, or the message itself on a stream (its
// `stamp` fields, or the map of metadata keys the first senders wrote). The stamper reads and writes entries by their
// metadata key, whatever carries them.

/**
 * The envelope of every peer-to-peer message, carried in metadata (the keys are documented in clock.proto): the
 * sender's stamps, its incarnation, a message id shared by the send and receive events, and the label and algorithm the
 * events are logged under. Interceptors write it on the way out and read it on the way in, so that every message of
 * every algorithm is stamped, merged and logged in one place, and the algorithm drivers only say what a message is.
 */
export const ENVELOPE_KEYS = {
  ...STAMP_KEYS,
  incarnation: 'distlab-incarnation',
  messageId: 'distlab-message-id',
  label: 'distlab-label',
  algorithm: 'distlab-algorithm',
} as const;

/** Where an envelope's entries are read and written, by metadata key. `get` returns undefined for an absent entry. */
export interface EnvelopeCarrier {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

class MetadataCarrier implements EnvelopeCarrier {
  constructor(private readonly metadata: Metadata) {}

  get(key: string): string | undefined {
    const value = this.metadata.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  }

  set(key: string, value: string): void {
    this.metadata.set(key, value);
  }
}

export function metadataCarrier(metadata: Metadata): EnvelopeCarrier {
  return new MetadataCarrier(metadata);
}

/**
 * A stream message that carries its own envelope (MutexService.Exchange's frames): a stream's metadata is sent once, so
 * each message holds the envelope's entries, as the fields of `stamp`, or (as the first senders wrote it) as the
 * metadata keys and values in the map `envelope`. Read and written in place.
 */
interface EnvelopedMessage {
  stamp?: Envelope;
  envelope?: Record<string, string>;
}

/** The envelope a stream message carries, if any: its `stamp`, else a non-empty `envelope` map. */
export function carriedEnvelope(message: unknown): EnvelopeCarrier | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { stamp, envelope } = message as EnvelopedMessage;
  if (typeof stamp === 'object' && stamp !== null) return new EnvelopeFields(stamp);
  if (typeof envelope === 'object' && envelope !== null && Object.keys(envelope).length > 0)
    return new EnvelopeMap(envelope);
  return undefined;
}

/**
 * An Envelope message as a carrier: each field is the metadata entry of its name. Proto3 cannot tell an unset field
 * from its zero, so a zero incarnation, message id, label or algorithm reads as absent (their defaults then apply); a
 * zero sender reads as 0 and is refused, as a sender must be named.
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

  set(key: string, value: string): void {
    const fields = this.fields;
    switch (key) {
      case ENVELOPE_KEYS.sender:
        fields.sender = Number(value);
        break;
      case ENVELOPE_KEYS.lamport:
        fields.lamport = value;
        break;
      case ENVELOPE_KEYS.vector:
        fields.vector = value;
        break;
      case ENVELOPE_KEYS.incarnation:
        fields.incarnation = value;
        break;
      case ENVELOPE_KEYS.messageId:
        fields.messageId = value;
        break;
      case ENVELOPE_KEYS.label:
        fields.label = value;
        break;
      case ENVELOPE_KEYS.algorithm:
        fields.algorithm = value;
        break;
    }
  }
}

/** The map form of a frame's envelope (metadata keys and values) as a carrier: what the first senders wrote. */
class EnvelopeMap implements EnvelopeCarrier {
  constructor(private readonly entries: Record<string, string>) {}

  get(key: string): string | undefined {
    return Object.hasOwn(this.entries, key) ? this.entries[key] : undefined;
  }

  set(key: string, value: string): void {
    this.entries[key] = value;
  }
}
