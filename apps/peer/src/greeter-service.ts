import type { GreeterServiceServer, CustomObject } from '@distlab/contracts/greeter/v1/greeter';
import {
  Code,
  createHandlers,
  limitText,
  requireAtMost,
  requirePresent,
  requireText,
  StatusError,
  type Logger,
} from '@distlab/grpc-kit';

const NAME_MAX = 200;
const TAGS_MAX = 64;
const ATTRIBUTES_MAX = 64;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * The greeter: the lab's "hello over a socket" and "send an object", as typed calls. Every status it answers is
 * decided here, at the edge: INVALID_ARGUMENT for malformed input, OUT_OF_RANGE when doubling overflows int64.
 */
export function greeterService(options: { serverId: string; logger: Logger }): GreeterServiceServer {
  const handlers = createHandlers({ logger: options.logger });
  return {
    sayHello: handlers.unary((request) => {
      const name = requireText(request.name, 'name', { max: NAME_MAX });
      return { message: `Hello, ${name}!`, serverId: options.serverId, greetTime: new Date() };
    }),
    exchangeObject: handlers.unary((request) => {
      const received = validateObject(requirePresent(request.object, 'object'));
      const doubled = BigInt(received.value) * 2n;
      if (doubled > INT64_MAX || doubled < INT64_MIN) {
        throw new StatusError(
          Code.OUT_OF_RANGE,
          `object.value ${received.value} doubled does not fit in a signed 64-bit integer`,
        );
      }
      const processed: CustomObject = {
        ...received,
        value: doubled.toString(),
        tags: [...received.tags, `processed-by:${options.serverId}`],
      };
      return { object: processed, received: request.object, serverId: options.serverId };
    }),
  };
}

function validateObject(object: CustomObject): CustomObject {
  const name = requireText(object.name, 'object.name', { max: NAME_MAX });
  requireAtMost(object.tags.length, 'object.tags', TAGS_MAX);
  object.tags.forEach((tag, index) => limitText(tag, `object.tags[${index}]`, NAME_MAX));
  const attributes = Object.entries(object.attributes);
  requireAtMost(attributes.length, 'object.attributes', ATTRIBUTES_MAX);
  for (const [key, value] of attributes) {
    limitText(key, 'an object.attributes key', NAME_MAX);
    limitText(value, `object.attributes["${key}"]`, NAME_MAX);
  }
  return { ...object, name };
}
