import { descriptorRegistry, descriptorSet, encodedFileDescriptors, retrySafety, serviceDescriptor } from './index';
import { GreeterServiceService } from './gen/distlab/greeter/v1/greeter';

const DISTLAB_SERVICES = [
  'distlab.greeter.v1.GreeterService',
  'distlab.chat.v1.ChatService',
  'distlab.inventory.v1.InventoryService',
  'distlab.factorial.v1.FactorialService',
  'distlab.registry.v1.RegistryService',
  'distlab.balancer.v1.BalancerService',
  'distlab.clock.v1.ClockService',
  'distlab.clock.v1.TimeService',
  'distlab.mutex.v1.MutexService',
  'distlab.election.v1.ElectionService',
];

describe('the descriptor set', () => {
  it('holds every distlab service, grpc.health.v1 and the well-known types they import', () => {
    const files = descriptorSet().file.map((file) => file.name);
    expect(files).toEqual(expect.arrayContaining(['google/protobuf/timestamp.proto', 'grpc/health/v1/health.proto']));
    for (const name of [...DISTLAB_SERVICES, 'grpc.health.v1.Health']) {
      expect(descriptorRegistry().getService(name)).toBeDefined();
    }
  });

  it('keeps each file’s dependency list, which reflection clients need to resolve imported types', () => {
    const greeter = descriptorSet().file.find((file) => file.name === 'distlab/greeter/v1/greeter.proto');
    expect(greeter?.dependency).toEqual(['google/protobuf/timestamp.proto']);
  });

  it('keeps the contracts’ comments, so that reflection shows the documentation', () => {
    const greeter = descriptorSet().file.find((file) => file.name === 'distlab/greeter/v1/greeter.proto');
    const comments = greeter?.sourceCodeInfo?.location.map((location) => location.leadingComments).join('\n');
    expect(comments).toContain('SayHello greets the caller by name.');
  });

  it('agrees with the generated service definitions on every method path', () => {
    const methods = serviceDescriptor('distlab.greeter.v1.GreeterService').methods.map(
      (method) => `/${method.parent.typeName}/${method.name}`,
    );
    expect(methods).toEqual(Object.values(GreeterServiceService).map((definition) => definition.path));
  });

  it('encodes one FileDescriptorProto per file', () => {
    expect(encodedFileDescriptors()).toHaveLength(descriptorSet().file.length);
  });
});

describe('retrySafety', () => {
  it('reads each method’s idempotency level from the contract', () => {
    const inventory = retrySafety('distlab.inventory.v1.InventoryService');
    expect(Object.fromEntries(inventory)).toEqual({
      AddItem: 'unsafe',
      GetItem: 'no-side-effects',
      UpdateItem: 'idempotent',
      AdjustQuantity: 'unsafe',
      DeleteItem: 'idempotent',
      ListItems: 'no-side-effects',
    });
  });

  it('agrees with the decoded descriptors on every method of every service', () => {
    const services = [...descriptorRegistry()].filter((desc) => desc.kind === 'service');
    expect(services.length).toBeGreaterThan(5);
    for (const service of services) {
      const names: Record<number, string> = { 1: 'no-side-effects', 2: 'idempotent' };
      const levels = Object.fromEntries(
        service.methods.map((method) => [method.name, names[method.idempotency] ?? 'unsafe']),
      );
      expect({ [service.typeName]: Object.fromEntries(retrySafety(service.typeName)) }).toEqual({
        [service.typeName]: levels,
      });
    }
  });

  it('names the missing service in its error', () => {
    expect(() => retrySafety('distlab.nope.v1.NopeService')).toThrow('distlab.nope.v1.NopeService');
  });
});
