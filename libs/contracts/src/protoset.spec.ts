import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPackageDefinition, Server, ServerCredentials, credentials, type GrpcObject } from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';
import { WORKSPACE_ROOT } from '@distlab/testing';
import { GreeterServiceService } from './gen/distlab/greeter/v1/greeter';

// distlab.binpb (`npm run proto:descriptor`, also written by proto:generate) is what grpcurl -protoset and other
// descriptor-driven tools load: with it alone, a client that knows no .proto file and gets no help from reflection
// (the server here has none) calls a distlab method and reads its answer, including a google.protobuf type.

type Callable = (request: object, callback: (error: Error | null, response: Record<string, unknown>) => void) => void;

it('lets a descriptor-driven client call a server whose reflection is off', async () => {
  const server = new Server();
  server.addService(GreeterServiceService, {
    sayHello: (call: { request: { name: string } }, callback: (error: null, response: object) => void) =>
      callback(null, { message: `Hello, ${call.request.name}!`, serverId: 'bare', greetTime: new Date(1_500) }),
    exchangeObject: () => undefined,
  } as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  try {
    const protoset = readFileSync(join(WORKSPACE_ROOT, 'distlab.binpb'));
    const definition = loadFileDescriptorSetFromBuffer(protoset, { keepCase: true, longs: String });
    expect(Object.keys(definition)).toEqual(
      expect.arrayContaining(['distlab.greeter.v1.GreeterService', 'distlab.mutex.v1.MutexService']),
    );
    const loaded = loadPackageDefinition(definition);
    const greeterPackage = ((loaded['distlab'] as GrpcObject)['greeter'] as GrpcObject)['v1'] as GrpcObject;
    const Greeter = greeterPackage['GreeterService'] as unknown as new (
      address: string,
      channelCredentials: ReturnType<typeof credentials.createInsecure>,
    ) => { sayHello: Callable; close(): void };
    const client = new Greeter(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const reply = await new Promise<Record<string, unknown>>((resolve, reject) =>
        client.sayHello({ name: 'Ada' }, (error, response) => (error ? reject(error) : resolve(response))),
      );
      expect(reply).toMatchObject({
        message: 'Hello, Ada!',
        server_id: 'bare',
        greet_time: { seconds: '1', nanos: 500_000_000 },
      });
    } finally {
      client.close();
    }
  } finally {
    server.forceShutdown();
  }
});
