import { createFileRegistry, fromBinary, toBinary, type DescService, type FileRegistry } from '@bufbuild/protobuf';
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
  const safety = new Map<string, RetrySafety>();
  for (const method of serviceDescriptor(serviceName).methods) {
    safety.set(method.name, toRetrySafety(method.idempotency));
  }
  return safety;
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
