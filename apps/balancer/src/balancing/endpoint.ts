/** What the health watch last saw of a backend. */
export type EndpointHealth = 'unknown' | 'serving' | 'not-serving' | 'unreachable';

/**
 * One backend of one service: its address, its health, and the counters the admin service reports. Pickers hold
 * endpoints by reference, so `inFlight` is always current when least-outstanding compares two of them.
 */
export class Endpoint {
  health: EndpointHealth = 'unknown';
  callsStarted = 0;
  callsSucceeded = 0;
  callsFailed = 0;
  inFlight = 0;

  constructor(
    readonly serviceName: string,
    readonly address: string,
  ) {}

  get usable(): boolean {
    return this.health === 'serving';
  }

  /** Counts a call forwarded to this endpoint; call `callEnded` exactly once when it ends. */
  callStarted(): void {
    this.callsStarted += 1;
    this.inFlight += 1;
  }

  /** Counts the end of a call `callStarted` counted (the caller makes sure it is counted once). */
  callEnded(ok: boolean): void {
    this.inFlight -= 1;
    if (ok) this.callsSucceeded += 1;
    else this.callsFailed += 1;
  }
}
