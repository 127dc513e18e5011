import type { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { encodedFileDescriptors } from '@distlab/contracts';

/**
 * Adds gRPC server reflection (v1 and v1alpha) for the given services.
 *
 * @grpc/reflection normally reads descriptors from a proto-loader package definition, which loses each file's
 * dependency list (grpc-node issues 2595 and 2958): a client that knows nothing but reflection then cannot resolve
 * imported types such as google.protobuf.Timestamp. Here it is given the descriptors exactly as buf compiled them,
 * complete with dependencies and comments, in the shape it reads (`{ fileDescriptorProtos }` per entry).
 */
export function addReflection(server: Server, serviceNames: readonly string[]): void {
  const descriptors = { 'distlab-contracts': { fileDescriptorProtos: encodedFileDescriptors().map(Buffer.from) } };
  // The cast is the documented shape's narrowing: the service only reads `fileDescriptorProtos` of each entry.
  const reflection = new ReflectionService(
    descriptors as unknown as ConstructorParameters<typeof ReflectionService>[0],
    {
      services: [...serviceNames],
    },
  );
  reflection.addToServer(server);
}
