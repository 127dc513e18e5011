/**
 * Cloning and fingerprinting a core's state, for the model checker. Cores keep plain data (numbers, strings, arrays,
 * Maps, Sets, plain objects and class instances of those), so a deep copy that keeps each object's prototype gives a
 * working core (`structuredClone` would drop the methods), and a canonical JSON text (keys sorted, Map and Set entries
 * sorted) makes two equal states hash alike however they were reached.
 */

/** A deep copy that keeps prototypes, so a cloned core still has its methods. Functions are shared, not copied. */
export function cloneState<T>(value: T): T {
  return cloneValue(value) as T;
}

function cloneValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneValue);
  if (value instanceof Map) return new Map([...value].map(([key, entry]) => [cloneValue(key), cloneValue(entry)]));
  if (value instanceof Set) return new Set([...value].map(cloneValue));
  const copy = Object.create(Object.getPrototypeOf(value) as object) as Record<string, unknown>;
  for (const key of Object.keys(value)) copy[key] = cloneValue((value as Record<string, unknown>)[key]);
  return copy;
}

/** A canonical text of a state: equal states give equal texts, whatever order their Maps and Sets were filled in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (typeof value === 'function') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Map)
    return { map: sortTexts([...value].map(([key, entry]) => JSON.stringify([canonical(key), canonical(entry)]))) };
  if (value instanceof Set) return { set: sortTexts([...value].map((entry) => JSON.stringify(canonical(entry)))) };
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) result[key] = canonical((value as Record<string, unknown>)[key]);
  return result;
}

function sortTexts(texts: string[]): string[] {
  return texts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
