import { timingSafeEqual } from 'node:crypto';
import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { asInterceptorResult, observeCalls, type CallObserverFactory } from './call-observer';
import type { Logger } from './logger';
import { codeName } from './status';

/** Methods that are long-lived by design (a watch stays open for the client's lifetime) and so never "drain". */
const LONG_LIVED_METHODS = new Set([
  '/grpc.health.v1.Health/Watch',
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
]);

/**
 * Counts the calls a server is handling, so that a graceful shutdown knows when the last one has finished. Health
 * watches and reflection streams are not counted: they end only when the client goes, and a draining server must not
 * wait for them.
 */
export class InFlightCalls {
  private count = 0;
  private idleWaiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  begin(): void {
    this.count += 1;
  }

  end(): void {
    this.count -= 1;
    if (this.count === 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Resolves once no counted call is in flight (at once if none is). */
  whenIdle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/**
 * Logs one JSON line per call when it ends (method, status, duration, peer) and counts calls in flight. It must be the
 * first interceptor in the list (the innermost), so that it also sees the statuses later interceptors send, such as
 * auth's UNAUTHENTICATED.
 */
export function callLogInterceptor(logger: Logger, inFlight: InFlightCalls): ServerInterceptor {
  return observeCalls([callLogObserver(logger, inFlight)]);
}

/** The call log as a call observer, so that startServer runs it and the metrics in one interceptor. */
export function callLogObserver(logger: Logger, inFlight: InFlightCalls): CallObserverFactory {
  return ({ path: method }) => {
    const counted = !LONG_LIVED_METHODS.has(method);
    return {
      started: () => {
        if (counted) inFlight.begin();
      },
      ended: (code, details, durationMs, call) => {
        if (counted) inFlight.end();
        // A line per call at the default level drowns the lab's events (a leader change, a lock granted) under health
        // checks and heartbeats: calls that went well are for --log-level debug, and cost nothing to build otherwise.
        const wentWell = code === status.OK || code === status.CANCELLED;
        if (wentWell && !logger.isLevelEnabled('debug')) return;
        const line = {
          method,
          status: codeName(code),
          durationMs: Math.round(durationMs * 1000) / 1000,
          peer: call.getPeer(),
        };
        if (wentWell) logger.debug(line, 'call');
        else logger.warn({ ...line, details }, 'call');
      },
    };
  };
}

/**
 * Requires `authorization: Bearer <token>` on every call except the exempt services (grpc.health.v1 by default, so
 * that orchestrators and balancers can probe without the secret). Compares in constant time.
 */
export function bearerTokenInterceptor(
  token: string,
  exemptServices: readonly string[] = ['grpc.health.v1.Health'],
): ServerInterceptor {
  const expected = Buffer.from(`Bearer ${token}`);
  const exemptPrefixes = exemptServices.map((service) => `/${service}/`);
  const isValid = (presented: Metadata): boolean => {
    const value = presented.get('authorization')[0];
    if (typeof value !== 'string') return false;
    const candidate = Buffer.from(value);
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  };
  return (methodDescriptor, call) => {
    if (exemptPrefixes.some((prefix) => methodDescriptor.path.startsWith(prefix))) {
      return asInterceptorResult(call); // Passed on unwrapped: a wrapper that does nothing still costs every health probe.
    }
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            if (isValid(metadata)) {
              nextMetadata(metadata);
              return;
            }
            const reason = metadata.get('authorization').length === 0 ? 'missing' : 'wrong';
            call.sendStatus({
              code: status.UNAUTHENTICATED,
              details: `${reason} bearer token: send metadata "authorization: Bearer <token>"`,
            });
          },
        }),
    });
  };
}
