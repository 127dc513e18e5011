/**
 * Vector clocks: one counter per process, so that causality can be decided exactly.
 *
 * Theory of operation. Process i increments its own entry V[i] before each local event and send, and stamps the event
 * with a copy of V. On receiving a message stamped W it sets V[j] = max(V[j], W[j]) for every j, then increments V[i].
 * For events a and b: a → b if and only if V(a) < V(b), that is V(a)[j] ≤ V(b)[j] for all j and V(a) ≠ V(b); if
 * neither V(a) ≤ V(b) nor V(b) ≤ V(a), the events are concurrent. A missing entry means 0, so processes that join
 * later need no coordination: their entries simply appear.
 *
 * Vector clocks here are immutable values (ReadonlyMap from process id to count): every operation returns a new one.
 */
export type VectorClock = ReadonlyMap<number, number>;

export type Causality = 'before' | 'after' | 'equal' | 'concurrent';

export const EMPTY_VECTOR: VectorClock = new Map();

/** The clock after one more event of `peerId`. */
export function incrementVector(clock: VectorClock, peerId: number): VectorClock {
  const next = new Map(clock);
  next.set(peerId, (clock.get(peerId) ?? 0) + 1);
  return next;
}

/** The entry-wise maximum: what a receiver knows after merging a sender's stamp. */
export function mergeVectors(a: VectorClock, b: VectorClock): VectorClock {
  const merged = new Map(a);
  for (const [peerId, count] of b) merged.set(peerId, Math.max(count, merged.get(peerId) ?? 0));
  return merged;
}

/** The receive of a message stamped `remote` by process `peerId`: merge, then count the receive itself. */
export function receiveVector(local: VectorClock, remote: VectorClock, peerId: number): VectorClock {
  // mergeVectors then incrementVector, in one copy: every message received does this.
  const next = new Map(local);
  for (const [id, count] of remote) if (count > (next.get(id) ?? 0)) next.set(id, count);
  next.set(peerId, (next.get(peerId) ?? 0) + 1);
  return next;
}

/** How event `a` relates to event `b`, from their stamps. */
export function compareVectors(a: VectorClock, b: VectorClock): Causality {
  let aBelow = false;
  let bBelow = false;
  for (const peerId of new Set([...a.keys(), ...b.keys()])) {
    const left = a.get(peerId) ?? 0;
    const right = b.get(peerId) ?? 0;
    if (left < right) aBelow = true;
    if (right < left) bBelow = true;
  }
  if (aBelow && bBelow) return 'concurrent';
  if (aBelow) return 'before';
  if (bBelow) return 'after';
  return 'equal';
}

/** "1:3,2:0,5:1": the wire form used in metadata and logs (sorted by process id, zero entries dropped). */
export function formatVector(clock: VectorClock): string {
  // Every message's stamp is formatted: loops, not a chain of array copies.
  const peerIds: number[] = [];
  let ascending = true;
  for (const [peerId, count] of clock) {
    if (count === 0) continue;
    if (peerIds.length > 0 && peerId < peerIds[peerIds.length - 1]) ascending = false;
    peerIds.push(peerId);
  }
  if (!ascending) peerIds.sort((a, b) => a - b);
  let text = '';
  for (const peerId of peerIds) text += `${text === '' ? '' : ','}${peerId}:${clock.get(peerId)}`;
  return text;
}

/** Parses the wire form; throws a RangeError naming the bad part. */
export function parseVector(text: string): VectorClock {
  const clock = new Map<number, number>();
  if (text.trim() === '') return clock;
  // Entry by entry where the last one ended (every message received is parsed): "id:count", spaces around it allowed,
  // then a comma or the end. A trailing comma leaves an empty last entry, which is not one.
  let at = 0;
  while (at < text.length) {
    VECTOR_ENTRY.lastIndex = at;
    const match = VECTOR_ENTRY.exec(text);
    if (match === null) {
      const comma = text.indexOf(',', at);
      throw new RangeError(`not a vector clock entry: "${text.slice(at, comma < 0 ? undefined : comma)}"`);
    }
    clock.set(Number(match[1]), Number(match[2]));
    at = VECTOR_ENTRY.lastIndex;
  }
  if (text.endsWith(',')) throw new RangeError('not a vector clock entry: ""');
  return clock;
}

const VECTOR_ENTRY = /\s*(\d{1,9}):(\d{1,15})\s*(?:,|$)/y;
