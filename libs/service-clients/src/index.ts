/**
 * @distlab/service-clients: client helpers for distlab's own services that more than one app uses, kept out of
 * @distlab/grpc-kit so that the kit knows no service. `keepRegistered` keeps a server's registration alive in the
 * registry (workers, the inventory and peers register themselves); `LockSession` acquires and releases the peers'
 * lock over one MutexService.Session stream (the CLI, the benchmarks and the tests lock through it).
 */
export { keepRegistered, type RegistrationOptions, type KeptRegistration } from './registration';
export { LockSession, type SessionAcquireOptions } from './lock-session';
