import { contractMethodShapes, UNKNOWN_METHOD } from './method-shape';

// The proxy forwards a call by its method's shape: whether the response is one message, and whether the call may be
// sent twice. The shapes come from the contracts, and anything they do not name is treated as
// the most careful case.
describe('contractMethodShapes', () => {
  const shapeOf = contractMethodShapes();

  it('reads unary, server-streaming and bidirectional methods from the contracts', () => {
    expect(shapeOf('distlab.factorial.v1.FactorialService', 'Compute')).toEqual({
      singleResponse: true,
      retrySafety: 'no-side-effects',
    });
    expect(shapeOf('distlab.factorial.v1.FactorialService', 'ComputeStream')).toEqual({
      singleResponse: false,
      retrySafety: 'no-side-effects',
    });
    expect(shapeOf('distlab.chat.v1.ChatService', 'Chat')).toMatchObject({ singleResponse: false });
  });

  it('treats an unknown service or method as streaming its response and unsafe to repeat', () => {
    expect(shapeOf('distlab.factorial.v1.FactorialService', 'Missing')).toBe(UNKNOWN_METHOD);
    expect(shapeOf('no.such.Service', 'Compute')).toBe(UNKNOWN_METHOD);
    expect(UNKNOWN_METHOD).toEqual({ singleResponse: false, retrySafety: 'unsafe' });
  });
});
