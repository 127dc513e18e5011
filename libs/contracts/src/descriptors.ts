import { createFileRegistry, fromBinary, toBinary, type DescService, type FileRegistry } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  MethodOptions_IdempotencyLevel,
  type FileDescriptorSet,
} from '@bufbuild/protobuf/wkt';
import { DESCRIPTOR_SET_BASE64 } from './gen/descriptor-set';

let cachedSet: FileDescriptorSet | undefined;
let cachedRegistry: FileRegistry | undefined;

/**
 * Every contract of distlab (and grpc.health.v1) as one google.protobuf.FileDescriptorSet, with imports and comments.
 * It is what server reflection serves, and what tools that know no generated code (fuzzers, grpcurl) work from.
 */
export function descriptorSet(): FileDescriptorSet {
  cachedSet ??= fromBinary(FileDescriptorSetSchema, Buffer.from(DESCRIPTOR_SET_BASE64, 'base64'));
  return cachedSet;
}

/** The encoded FileDescriptorProto of each file, in dependency order: the form server reflection answers with. */
export function encodedFileDescriptors(): Uint8Array[] {
  return descriptorSet().file.map((file) => toBinary(FileDescriptorProtoSchema, file));
}

/** A registry to look services, methods and messages up by their fully qualified names. */
export function descriptorRegistry(): FileRegistry {
  cachedRegistry ??= createFileRegistry(descriptorSet());
  return cachedRegistry;
}

/** The service descriptor of a fully qualified service name, such as "distlab.greeter.v1.GreeterService". */
export function serviceDescriptor(serviceName: string): DescService {
  const service = descriptorRegistry().getService(serviceName);
  if (service === undefined) {
    throw new Error(`no service named ${serviceName} in the distlab contracts`);
  }
  return service;
}

/** How safe a method is to call more than once, as its contract declares with `option idempotency_level`. */
export type RetrySafety = 'no-side-effects' | 'idempotent' | 'unsafe';

/**
 * The retry safety of every method of a service, by method name. A client may retry `no-side-effects` and
 * `idempotent` methods after an UNAVAILABLE; an `unsafe` one only when the contract offers another way (such as a
 * request id), which the caller must then supply.
 */
export function retrySafety(serviceName: string): Map<string, RetrySafety> {
  let levels = idempotencyLevels.get(serviceName);
  if (levels === undefined) {
    levels = readIdempotencyLevels(serviceName);
    idempotencyLevels.set(serviceName, levels);
  }
  return new Map([...levels].map(([method, level]) => [method, toRetrySafety(level)]));
}

const idempotencyLevels = new Map<string, Map<string, MethodOptions_IdempotencyLevel>>();

// Field numbers of descriptor.proto, for the walk below.
const SET_FILE = 1;
const FILE_PACKAGE = 2;
const FILE_SERVICE = 6;
const SERVICE_NAME = 1;
const SERVICE_METHOD = 2;
const METHOD_NAME = 1;
const METHOD_OPTIONS = 4;
const OPTIONS_IDEMPOTENCY_LEVEL = 34;

/**
 * The idempotency level of each method of a service, read straight from the encoded descriptor set. Every client
 * asks this when it is made, so the walk skips what decoding the whole set (with every comment) would cost: most of a
 * short command's start-up.
 */
function readIdempotencyLevels(serviceName: string): Map<string, MethodOptions_IdempotencyLevel> {
  const set = new BinaryReader(Buffer.from(DESCRIPTOR_SET_BASE64, 'base64'));
  while (set.pos < set.len) {
    const [field, wireType] = set.tag();
    if (field !== SET_FILE) {
      set.skip(wireType);
      continue;
    }
    const file = new BinaryReader(set.bytes());
    let packageName = '';
    const services: Uint8Array[] = [];
    while (file.pos < file.len) {
      const [fileField, fileWireType] = file.tag();
      if (fileField === FILE_PACKAGE) packageName = file.string();
      else if (fileField === FILE_SERVICE) services.push(file.bytes());
      else file.skip(fileWireType);
    }
    for (const service of services) {
      const methods = readService(service, packageName, serviceName);
      if (methods !== undefined) return methods;
    }
  }
  throw new Error(`no service named ${serviceName} in the distlab contracts`);
}

function readService(
  encoded: Uint8Array,
  packageName: string,
  wantedName: string,
): Map<string, MethodOptions_IdempotencyLevel> | undefined {
  const service = new BinaryReader(encoded);
  let name = '';
  const methods = new Map<string, MethodOptions_IdempotencyLevel>();
  while (service.pos < service.len) {
    const [field, wireType] = service.tag();
    if (field === SERVICE_NAME) name = service.string();
    else if (field === SERVICE_METHOD) {
      const [methodName, level] = readMethod(service.bytes());
      methods.set(methodName, level);
    } else service.skip(wireType);
  }
  return `${packageName}.${name}` === wantedName ? methods : undefined;
}

function readMethod(encoded: Uint8Array): [string, MethodOptions_IdempotencyLevel] {
  const method = new BinaryReader(encoded);
  let name = '';
  let level = MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN;
  while (method.pos < method.len) {
    const [field, wireType] = method.tag();
    if (field === METHOD_NAME) name = method.string();
    else if (field === METHOD_OPTIONS) {
      const options = new BinaryReader(method.bytes());
      while (options.pos < options.len) {
        const [optionField, optionWireType] = options.tag();
        if (optionField === OPTIONS_IDEMPOTENCY_LEVEL && optionWireType === WireType.Varint) level = options.int32();
        else options.skip(optionWireType);
      }
    } else method.skip(wireType);
  }
  return [name, level];
}

function toRetrySafety(level: MethodOptions_IdempotencyLevel): RetrySafety {
  switch (level) {
    case MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS:
      return 'no-side-effects';
    case MethodOptions_IdempotencyLevel.IDEMPOTENT:
      return 'idempotent';
    default:
      return 'unsafe';
  }
}
