/** The entry for `key`: the simulation created one for every process, so a miss is a bug in the simulation. */
export function entry<K, V>(map: ReadonlyMap<K, V>, key: K): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`simulation bug: no entry for ${String(key)}`);
  return value;
}
