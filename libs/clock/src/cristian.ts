/**
 * Cristian's algorithm: a client asks a time server for its time and corrects for the network.
 *
 * Theory of operation. The client notes its own clock when it sends the request (t0) and when the answer arrives
 * (t1); the answer carries the server's clock reading T, taken at some moment between. Assuming the two legs take
 * about equally long, the server read T at about (t0 + t1) / 2 by the client's clock, so the client's offset from the
 * server is T + (t1 − t0) / 2 − t1. Whatever the legs really took, the true offset is within ±(t1 − t0) / 2 of that
 * estimate: the error bound. Of several samples, the one with the smallest round trip has the smallest bound.
 *
 * All times are milliseconds by the respective clocks (fractions allowed); nothing here reads a clock.
 */
export interface CristianSample {
  /** Client clock when the request left. */
  sendMs: number;
  /** Server clock in the answer. */
  serverTimeMs: number;
  /** Client clock when the answer arrived. */
  receiveMs: number;
}

export interface CristianEstimate {
  /** What to add to the client's clock to match the server's. */
  offsetMs: number;
  roundTripMs: number;
  /** The true offset is within ±errorBoundMs of offsetMs. */
  errorBoundMs: number;
}

export function cristianEstimate(sample: CristianSample): CristianEstimate {
  const roundTripMs = sample.receiveMs - sample.sendMs;
  if (!(roundTripMs >= 0))
    throw new RangeError(`a sample's answer cannot arrive before its request left (round trip ${roundTripMs} ms)`);
  return {
    offsetMs: sample.serverTimeMs + roundTripMs / 2 - sample.receiveMs,
    roundTripMs,
    errorBoundMs: roundTripMs / 2,
  };
}

/** The estimate from the sample with the smallest round trip (the tightest bound). */
export function bestCristianEstimate(samples: readonly CristianSample[]): CristianEstimate {
  if (samples.length === 0) throw new RangeError('Cristian needs at least one sample');
  return samples
    .map(cristianEstimate)
    .reduce((best, estimate) => (estimate.roundTripMs < best.roundTripMs ? estimate : best));
}
