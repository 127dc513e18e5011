import { setTimeout as sleep } from 'node:timers/promises';
import { GreeterServiceService, type GreeterServiceServer } from '@distlab/contracts/greeter/v1/greeter';
import { createHandlers, silentLogger, StatusError, Code, type Logger, type HostedService } from '../index';

/**
 * A greeter for the kit's own tests: SayHello answers after `delayMs` (from the request name "slow:<ms>"), and fails
 * with UNAVAILABLE while `failuresLeft` > 0, so that deadlines, drains and retries can be observed.
 */
export function greeterFixture(
  logger: Logger = silentLogger(),
): HostedService & { calls: number; failuresLeft: number } {
  const handlers = createHandlers({ logger });
  const fixture = {
    calls: 0,
    failuresLeft: 0,
    definition: GreeterServiceService,
    implementation: {} as GreeterServiceServer,
  };
  fixture.implementation = {
    sayHello: handlers.unary(async (request) => {
      fixture.calls += 1;
      if (fixture.failuresLeft > 0) {
        fixture.failuresLeft -= 1;
        throw new StatusError(Code.UNAVAILABLE, 'fixture: failing on purpose');
      }
      const slow = /^slow:(\d+)$/.exec(request.name);
      if (slow) await sleep(Number(slow[1]));
      if (request.name === 'boom') throw new Error('a secret internal detail');
      return { message: `Hello, ${request.name}!`, serverId: 'fixture', greetTime: new Date() };
    }),
    exchangeObject: handlers.unary((request) => ({
      object: request.object,
      received: request.object,
      serverId: 'fixture',
    })),
  };
  return fixture;
}
