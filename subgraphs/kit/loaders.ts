import DataLoader from 'dataloader';

/**
 * Per-request batch loaders. A list of 20 citizens asks each department for 20
 * entities at once; a loader turns 20 lookups into one `WHERE did = ANY($1)`.
 * Loaders live as long as one request's context object, so nothing is cached
 * across requests (or across callers).
 */
const loadersByContext = new WeakMap<object, Map<string, DataLoader<unknown, unknown>>>();

export function loader<K, V>(context: object, name: string, batch: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
  let loaders = loadersByContext.get(context);
  if (!loaders) loadersByContext.set(context, (loaders = new Map()));
  let found = loaders.get(name) as DataLoader<K, V> | undefined;
  if (!found) {
    found = new DataLoader<K, V>(batch, { maxBatchSize: 500 });
    loaders.set(name, found as DataLoader<unknown, unknown>);
  }
  return found;
}

/** Groups rows by a key, in the order of `keys`: the usual shape of a one-to-many batch. */
export function groupBy<K, Row>(keys: readonly K[], rows: Row[], keyOf: (row: Row) => K): Row[][] {
  const groups = new Map<K, Row[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return keys.map((key) => groups.get(key) ?? []);
}

/** Picks one row per key, in the order of `keys` (null when absent): the shape of a by-id batch. */
export function byKey<K, Row>(keys: readonly K[], rows: Row[], keyOf: (row: Row) => K): (Row | null)[] {
  const index = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => index.get(key) ?? null);
}
