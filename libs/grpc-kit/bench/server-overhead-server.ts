// The server side of server-overhead.bench.ts, one process per variant so that each one's CPU time is its own:
// "bare" is a grpc-js Server with the handler written in grpc-js's callback style, "kit" is the same handler through
// createHandlers on startServer (call log, metrics, request gate, health, reflection, keepalive settings). It prints
// its port, then answers each "cpu" message from its parent with the CPU time it has used so far, in microseconds.
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import {
  GreeterServiceService,
  type SayHelloRequest,
  type SayHelloResponse,
} from '@distlab/contracts/greeter/v1/greeter';
import { createHandlers, createLogger, startServer } from '../src/index';

const variant = process.argv[2];

/** The work both variants do: as little as a real handler could, so that what remains is the stack's cost. */
function greet(request: SayHelloRequest): SayHelloResponse {
  return { message: `Hello, ${request.name}!`, serverId: 'bench' };
}

function bareServer(): Promise<number> {
  const server = new Server();
  const unimplemented = (_call: unknown, callback: sendUnaryData<unknown>) => callback({ code: 12 });
  server.addService(GreeterServiceService, {
    sayHello: (call: ServerUnaryCall<SayHelloRequest, SayHelloResponse>, callback: sendUnaryData<SayHelloResponse>) =>
      callback(null, greet(call.request)),
    exchangeObject: unimplemented,
  });
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  );
}

async function kitServer(): Promise<number> {
  // Info level, as servers run by default: a call that succeeds writes no line.
  const logger = createLogger({ name: 'bench', level: 'info', destination: 2 });
  const handlers = createHandlers({ logger });
  const running = await startServer({
    host: '127.0.0.1',
    port: 0,
    logger,
    announce: false,
    services: [
      {
        definition: GreeterServiceService,
        implementation: {
          sayHello: handlers.unary((request: SayHelloRequest) => greet(request)),
          exchangeObject: handlers.unary(() => ({})),
        },
      },
    ],
  });
  return running.port;
}

async function main(): Promise<void> {
  const port = variant === 'bare' ? await bareServer() : await kitServer();
  process.on('message', (message) => {
    if (message !== 'cpu') return;
    const used = process.cpuUsage();
    process.send?.({ cpuMicros: used.user + used.system });
  });
  // The parent going away (it ended, or it was killed) ends this process too: no server outlives its bench.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port });
}

void main();
