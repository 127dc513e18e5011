/**
 * Where each distlab process listens unless told otherwise, so that the CLI finds a system started with defaults
 * without any flags. Peer n listens on `PEER_BASE + n`.
 */
export const WELL_KNOWN_PORTS = {
  balancer: 50051,
  inventory: 50052,
  factorialWorker: 50053,
  peerBase: 50060,
} as const;

/** The default port of peer `id`. */
export function peerPort(id: number): number {
  return WELL_KNOWN_PORTS.peerBase + id;
}
