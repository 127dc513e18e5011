import { descriptorRegistry, retrySafety, type RetrySafety } from '@distlab/contracts';

/** What the proxy needs to know of a method, from its contract, to forward its calls. */
export interface MethodShape {
  /** The backend answers with exactly one message (unary or client streaming): the response can be held whole. */
  readonly singleResponse: boolean;
  /** The client sends exactly one message (unary or server streaming): the request can be held until it ends. */
  readonly singleRequest: boolean;
  /** How safe the method is to send twice; `unsafe` when unknown. */
  readonly retrySafety: RetrySafety;
}

/** A method no contract describes: its request and response streamed as they come, never repeated. */
export const UNKNOWN_METHOD: MethodShape = { singleResponse: false, singleRequest: false, retrySafety: 'unsafe' };

/**
 * The shape of every method of the services in the contracts, read once per service and kept: the proxy asks for it
 * on every call, and walking the descriptors each time cost more than the rest of the call's bookkeeping. Only
 * services the contracts know are kept, so a client inventing service names cannot grow the table.
 */
export function contractMethodShapes(): (service: string, method: string) => MethodShape {
  const services = new Map<string, ReadonlyMap<string, MethodShape>>();
  return (service, method) => {
    let methods = services.get(service);
    if (methods === undefined) {
      const descriptor = descriptorRegistry().getService(service);
      if (descriptor === undefined) return UNKNOWN_METHOD;
      methods = shapesOf(service, descriptor.methods);
      services.set(service, methods);
    }
    return methods.get(method) ?? UNKNOWN_METHOD;
  };
}

function shapesOf(
  service: string,
  methods: ReadonlyArray<{ readonly name: string; readonly methodKind: string }>,
): ReadonlyMap<string, MethodShape> {
  let safety: ReadonlyMap<string, RetrySafety>;
  try {
    safety = retrySafety(service);
  } catch {
    safety = new Map();
  }
  return new Map(
    methods.map((method) => [
      method.name,
      {
        singleResponse: method.methodKind === 'unary' || method.methodKind === 'client_streaming',
        singleRequest: method.methodKind === 'unary' || method.methodKind === 'server_streaming',
        retrySafety: safety.get(method.name) ?? 'unsafe',
      },
    ]),
  );
}
