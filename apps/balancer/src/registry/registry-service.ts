import type {
  Registration as RegistrationMessage,
  RegistryServiceServer,
} from '@distlab/contracts/registry/v1/registry';
import {
  Code,
  createHandlers,
  durationToMs,
  limitText,
  msToDuration,
  requireAtMost,
  requireHostPort,
  StatusError,
  type Logger,
} from '@distlab/grpc-kit';
import { clientOf } from './client-address';
import { LeaseNotFoundError, TooManyRegistrationsError, type LeaseTable, type Registration } from './lease-table';

const NAME_FORMAT = /^[A-Za-z0-9._/-]{1,200}$/;
const METADATA_MAX = 32;
const TEXT_MAX = 200;
const TTL_DEFAULT_MS = 10_000;
const TTL_MIN_MS = 1_000;
const TTL_MAX_MS = 3_600_000;
/**
 * The longest lease id accepted: the ids this registry hands out are UUIDs (36 characters). A longer one cannot be a
 * lease, and is refused before it is quoted anywhere.
 */
const LEASE_ID_MAX_CHARS = 64;

/**
 * The registry's one status mapping. An unknown lease is NOT_FOUND, which tells a keep-alive loop to register again.
 * A client at its limit of registrations is RESOURCE_EXHAUSTED: definite (nothing was registered), and retrying is
 * useless until that client deregisters or its leases expire. Everything else it answers is input validation,
 * decided where the input is read.
 */
function registryErrorToStatus(error: unknown): StatusError | undefined {
  if (error instanceof LeaseNotFoundError) return new StatusError(Code.NOT_FOUND, error.message);
  if (error instanceof TooManyRegistrationsError) return new StatusError(Code.RESOURCE_EXHAUSTED, error.message);
  return undefined;
}

export function registryService(
  leases: LeaseTable,
  logger: Logger,
  now: () => number = Date.now,
): RegistryServiceServer {
  const handlers = createHandlers({ logger, mapError: registryErrorToStatus });
  return {
    register: handlers.unary((request, call) => {
      const name = validName(request.name);
      const address = requireHostPort(request.address, 'address');
      const metadata = validMetadata(request.metadata);
      const ttlMs = durationToMs(request.ttl) || TTL_DEFAULT_MS;
      if (ttlMs < TTL_MIN_MS || ttlMs > TTL_MAX_MS) {
        throw new StatusError(Code.INVALID_ARGUMENT, `ttl must be between 1s and 1h (got ${ttlMs} ms)`);
      }
      const client = clientOf(call);
      const registration = leases.register(name, address, metadata, ttlMs, now(), client);
      logger.info({ name, address, leaseId: registration.leaseId, ttlMs, client }, 'registered');
      return { registration: toMessage(registration), ttl: msToDuration(ttlMs) };
    }),
    keepAlive: handlers.unary((request) => ({
      expireTime: new Date(leases.keepAlive(validLeaseId(request.leaseId), now()).expireTimeMs),
    })),
    deregister: handlers.unary((request) => {
      const registration = leases.deregister(validLeaseId(request.leaseId), now());
      logger.info({ name: registration.name, address: registration.address }, 'deregistered');
      return { registration: toMessage(registration) };
    }),
    lookup: handlers.unary((request) => {
      if (request.name === '') throw new StatusError(Code.INVALID_ARGUMENT, 'name must not be empty');
      return { registrations: leases.lookup(request.name, now()).map(toMessage) };
    }),
    list: handlers.unary((request) => ({ registrations: leases.list(request.namePrefix, now()).map(toMessage) })),
  };
}

/** Runs `leases.expire` at each lease's expiry time, so that dead endpoints leave as soon as their lease runs out. */
export function scheduleExpiry(leases: LeaseTable, logger: Logger, now: () => number = Date.now): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const reschedule = () => {
    clearTimeout(timer);
    const next = leases.nextExpiryMs();
    if (next === undefined) return;
    timer = setTimeout(tick, Math.max(0, next - now())).unref();
  };
  const tick = () => {
    for (const expired of leases.expire(now()))
      logger.warn({ name: expired.name, address: expired.address }, 'lease expired');
    reschedule();
  };
  leases.onChange(() => reschedule());
  return { stop: () => clearTimeout(timer) };
}

function toMessage(registration: Registration): RegistrationMessage {
  return {
    name: registration.name,
    address: registration.address,
    metadata: registration.metadata,
    leaseId: registration.leaseId,
    registerTime: new Date(registration.registerTimeMs),
    expireTime: new Date(registration.expireTimeMs),
  };
}

function validName(name: string): string {
  if (!NAME_FORMAT.test(name)) {
    throw new StatusError(
      Code.INVALID_ARGUMENT,
      'name must be 1 to 200 characters of letters, digits, ".", "_", "/" and "-"',
    );
  }
  return name;
}

/** Counted in UTF-16 units, without splitting the id into characters: an id may be megabytes long. */
function validLeaseId(leaseId: string): string {
  if (leaseId.length > LEASE_ID_MAX_CHARS) {
    throw new StatusError(
      Code.INVALID_ARGUMENT,
      `lease_id must have at most ${LEASE_ID_MAX_CHARS} characters (got ${leaseId.length}): use the id Register returned`,
    );
  }
  return leaseId;
}

function validMetadata(metadata: Record<string, string>): Record<string, string> {
  const entries = Object.entries(metadata);
  requireAtMost(entries.length, 'metadata', METADATA_MAX);
  for (const [key, value] of entries) {
    limitText(key, 'a metadata key', TEXT_MAX);
    limitText(value, `metadata["${key}"]`, TEXT_MAX);
  }
  return metadata;
}
