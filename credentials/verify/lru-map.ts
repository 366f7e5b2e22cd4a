/**
 * A Map bounded in size, least recently used evicted first, with an optional expiry per entry
 * against a clock passed in. The building block of the verifier's caches (caches.ts); no module
 * state, each cache is owned by one verifier instance.
 */
export class LruMap<V> {
  readonly #entries = new Map<string, { value: V; expiresAtMs: number }>();
  readonly maxEntries: number;
  readonly #clock: () => number;

  constructor(options: { maxEntries?: number; clock?: () => number } = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.#clock = options.clock ?? Date.now;
  }

  /** The value, unless absent or expired (an expired entry is dropped). */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs !== Infinity && this.#clock() >= entry.expiresAtMs) {
      this.#entries.delete(key);
      return undefined;
    }
    // Move to most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` until `expiresAtMs` on the clock (default: until evicted). */
  set(key: string, value: V, expiresAtMs = Infinity): void {
    this.#entries.delete(key);
    while (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, expiresAtMs });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
