import { contractMethodShapes, UNKNOWN_METHOD } from './method-shape';

// The proxy forwards a call by its method's shape: whether the request and the response are one message each, and
// whether the call may be
// sent twice. The shapes come from the contracts, and anything they do not name is treated as
// the most careful case.
describe('contractMethodShapes', () => {
  const shapeOf = contractMethodShapes();

  it('reads unary, server-streaming and bidirectional methods from the contracts', () => {
    expect(shapeOf('distlab.factorial.v1.FactorialService', 'Compute')).toEqual({
      singleResponse: true,
      singleRequest: true,
      retrySafety: 'no-side-effects',
    });
    expect(shapeOf('distlab.factorial.v1.FactorialService', 'ComputeStream')).toEqual({
      singleResponse: false,
      singleRequest: true,
      retrySafety: 'no-side-effects',
    });
    expect(shapeOf('distlab.chat.v1.ChatService', 'Chat')).toMatchObject({
      singleResponse: false,
      singleRequest: false,
    });
  });

  it('treats an unknown service or method as streaming its request and response, and unsafe to repeat', () => {
    expect(shapeOf('distlab.factorial.v1.FactorialService', 'Missing')).toBe(UNKNOWN_METHOD);
    expect(shapeOf('no.such.Service', 'Compute')).toBe(UNKNOWN_METHOD);
    expect(UNKNOWN_METHOD).toEqual({ singleResponse: false, singleRequest: false, retrySafety: 'unsafe' });
  });
});
