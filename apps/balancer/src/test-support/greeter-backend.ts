import { GreeterServiceService, type GreeterServiceServer } from '@distlab/contracts/greeter/v1/greeter';
import {
  Code,
  createHandlers,
  silentLogger,
  startServer,
  StatusError,
  type HostedService,
  type RunningServer,
} from '@distlab/grpc-kit';

/**
 * GreeterService answering with its own id, for the balancer's tests. A name "slow:<ms>" answers after that long
 * unless the call is cancelled first (counted in `state.cancelled`); an empty name is INVALID_ARGUMENT.
 */
export function greeterService(id: string, state = { cancelled: 0 }): HostedService {
  const handlers = createHandlers({ logger: silentLogger() });
  const implementation: GreeterServiceServer = {
    sayHello: handlers.unary(async (request, call) => {
      if (request.name === '') throw new StatusError(Code.INVALID_ARGUMENT, 'name must not be empty');
      const slow = /^slow:(\d+)$/.exec(request.name);
      if (slow) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Number(slow[1]));
          call.on('cancelled', () => {
            state.cancelled += 1;
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return { message: `Hello, ${request.name}!`, serverId: id, greetTime: new Date() };
    }),
    exchangeObject: handlers.unary((request) => ({ object: request.object, received: request.object, serverId: id })),
  };
  return { definition: GreeterServiceService, implementation };
}

/** A backend for the balancer's tests: greeterService on a kit server, counting the calls it saw cancelled. */
export async function startGreeterBackend(id: string): Promise<RunningServer & { cancelled: number }> {
  const state = { cancelled: 0 };
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    announce: false,
    services: [greeterService(id, state)],
  });
  return Object.defineProperty(server, 'cancelled', { get: () => state.cancelled }) as RunningServer & {
    cancelled: number;
  };
}
