import { ScalarType, type DescEnum, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** A source of randomness in [0, 1): seeded in tests, so that a failing case can be replayed. */
export type Random = () => number;

const pick = <T>(random: Random, choices: readonly T[]): T => choices[Math.floor(random() * choices.length)];
const INVALID_UTF8 = [new Uint8Array([0xff, 0xfe]), new Uint8Array([0xc3, 0x28]), new Uint8Array([0xe2, 0x82])];
const INTEGERS = [
  '0',
  '1',
  '-1',
  '2',
  '7',
  '100',
  '1000',
  '2147483647',
  '-2147483648',
  '4294967295',
  '9007199254740993',
  '9223372036854775807',
  '-9223372036854775808',
];
const DOUBLES = [0, -1, 0.5, 1e308, -1e308, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324];

/**
 * A string a validator must cope with: empty, blank, just over a limit, enormous, odd Unicode, control characters.
 * Enormous ones are rare: a message of many of them would be stopped by HTTP/2's memory limits before any validator.
 */
function hostileString(random: Random): string {
  if (random() < 0.02) return 'z'.repeat(100_000);
  return pick(random, [
    () => '',
    () => '   ',
    () => 'a',
    () => 'x'.repeat(101),
    () => 'x'.repeat(201),
    () => 'y'.repeat(4097),
    () => '😀\u0000\u202e\ufffd',
    () => '127.0.0.1:1',
    () => 'peer-1',
    () => '../../etc/passwd',
    () => String(Math.floor(random() * 1000)),
  ])();
}

function writeScalar(writer: BinaryWriter, number: number, type: ScalarType, random: Random): void {
  switch (type) {
    case ScalarType.STRING:
      if (random() < 0.1) writer.tag(number, WireType.LengthDelimited).bytes(pick(random, INVALID_UTF8));
      else writer.tag(number, WireType.LengthDelimited).string(hostileString(random));
      return;
    case ScalarType.BYTES:
      writer.tag(number, WireType.LengthDelimited).bytes(randomBytes(random, pick(random, [0, 3, 64, 5000])));
      return;
    case ScalarType.BOOL:
      writer.tag(number, WireType.Varint).uint32(pick(random, [0, 1, 2, 255]));
      return;
    case ScalarType.DOUBLE:
      writer.tag(number, WireType.Bit64).double(pick(random, DOUBLES));
      return;
    case ScalarType.FLOAT:
      writer.tag(number, WireType.Bit32).float(pick(random, DOUBLES));
      return;
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      writer.tag(number, WireType.Bit32).fixed32(Math.floor(random() * 2 ** 32));
      return;
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      writer.tag(number, WireType.Bit64).sfixed64(pick(random, INTEGERS));
      return;
    case ScalarType.SINT32:
    case ScalarType.SINT64:
      writer.tag(number, WireType.Varint).sint64(pick(random, INTEGERS));
      return;
    default:
      // INT32, INT64, UINT32, UINT64: any 64-bit varint, in range for the type or not.
      writer.tag(number, WireType.Varint).int64(pick(random, INTEGERS));
  }
}

function writeValue(
  writer: BinaryWriter,
  number: number,
  field:
    | { kind: 'scalar'; scalar: ScalarType }
    | { kind: 'enum'; values: number[] }
    | { kind: 'message'; message: DescMessage },
  random: Random,
  depth: number,
): void {
  if (field.kind === 'scalar') writeScalar(writer, number, field.scalar, random);
  else if (field.kind === 'enum')
    writer
      .tag(number, WireType.Varint)
      .int32(random() < 0.7 ? pick(random, field.values) : pick(random, [-1, 99, 2 ** 31 - 1]));
  else writer.tag(number, WireType.LengthDelimited).bytes(hostileMessage(field.message, random, depth + 1));
}

/** An enum field's value kind: its declared numbers (writeValue also sends undeclared ones). */
function enumValues(descriptor: DescEnum): { kind: 'enum'; values: number[] } {
  return { kind: 'enum', values: descriptor.values.map((value) => value.number) };
}

function writeField(writer: BinaryWriter, field: DescField, random: Random, depth: number): void {
  if (random() < 0.05) {
    // The wrong wire type for the field: a decoder must refuse it, not crash.
    writer.tag(field.number, pick(random, [WireType.Varint, WireType.LengthDelimited, WireType.Bit64, WireType.Bit32]));
    writer.raw(randomBytes(random, 4));
    return;
  }
  switch (field.fieldKind) {
    case 'scalar':
      writeScalar(writer, field.number, field.scalar, random);
      return;
    case 'enum':
      writeValue(writer, field.number, enumValues(field.enum), random, depth);
      return;
    case 'message':
      if (depth < 3) writeValue(writer, field.number, { kind: 'message', message: field.message }, random, depth);
      return;
    case 'list': {
      const count = pick(random, [0, 1, 2, 5, 20]);
      for (let index = 0; index < count; index += 1) {
        if (field.listKind === 'scalar') writeScalar(writer, field.number, field.scalar, random);
        else if (field.listKind === 'enum') writeValue(writer, field.number, enumValues(field.enum), random, depth);
        else if (depth < 3)
          writeValue(writer, field.number, { kind: 'message', message: field.message }, random, depth);
      }
      return;
    }
    case 'map': {
      const count = pick(random, [0, 1, 3, 20]);
      for (let index = 0; index < count; index += 1) {
        const entry = new BinaryWriter();
        writeScalar(entry, 1, field.mapKey, random);
        if (field.mapKind === 'scalar') writeScalar(entry, 2, field.scalar, random);
        else if (field.mapKind === 'enum') writeValue(entry, 2, enumValues(field.enum), random, depth);
        else if (depth < 3) writeValue(entry, 2, { kind: 'message', message: field.message }, random, depth);
        writer.tag(field.number, WireType.LengthDelimited).bytes(entry.finish());
      }
    }
  }
}

/**
 * A request of `message`'s type, built from its descriptor to hurt: each field present or missing at random, with
 * boundary numbers, unknown enum values, hostile strings and invalid UTF-8, repeated fields long and short, nested
 * messages, the odd wrong wire type and an unknown field.
 */
export function hostileMessage(message: DescMessage, random: Random, depth = 0): Uint8Array {
  const writer = new BinaryWriter();
  for (const field of message.fields) if (random() < 0.7) writeField(writer, field, random, depth);
  if (random() < 0.1) writer.tag(999, WireType.Varint).uint32(7);
  return writer.finish();
}

/** One fuzz input: mostly hostile messages, some of them truncated, and some plain garbage that is not protobuf. */
export function fuzzInput(message: DescMessage, random: Random): Uint8Array {
  const roll = random();
  if (roll < 0.05) return randomBytes(random, pick(random, [1, 7, 100, 3000]));
  const encoded = hostileMessage(message, random);
  if (roll < 0.15 && encoded.length > 1) return encoded.subarray(0, Math.floor(random() * encoded.length));
  return encoded;
}

export function randomBytes(random: Random, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}
