import { LRUCache } from 'lru-cache';

export interface ReadThroughCacheOptions {
  /** How long a loaded value counts as fresh; 0 reads on every get (tools that must see each edit). */
  readonly ttlMs: number;
  /** Keys kept at most (least recently used go first). Default 10,000 (a DID per key can be thousands). */
  readonly max?: number;
  /** Milliseconds clock, for tests. */
  readonly now?: () => number;
}

/**
 * A short cache in front of a read of configuration (queue settings, a DID's flow, business hours). Under load
 * every call reads the same few rows: an expired entry is reloaded once while the callers of that moment get the
 * value it replaces (not one query per caller, as a plain TTL map did), and a failed reload keeps the last value
 * for another ttlMs. Only a key never loaded waits for its read, and sees its error. `delete` and `clear` discard
 * a read in flight, so an admin edit is never overwritten by the row as it was before the edit.
 */
export class ReadThroughCache<K extends NonNullable<unknown>, V> {
  // lru-cache holds no undefined or null values; a box lets "no such row" (null) be cached too.
  private readonly cache: LRUCache<K, { readonly value: V }> | null;

  constructor(
    private readonly load: (key: K) => Promise<V>,
    options: ReadThroughCacheOptions,
  ) {
    // lru-cache reads a ttl of 0 as "never expires".
    this.cache = !(options.ttlMs > 0) ? null : new LRUCache<K, { readonly value: V }>({
      max: options.max ?? 10_000,
      ttl: options.ttlMs,
      allowStale: true,
      // A failed reload keeps the last value for another ttl (a database that is away is not asked per call);
      // with no last value the load's own error reaches the caller.
      fetchMethod: async (key, last) => {
        try {
          return { value: await load(key) };
        } catch (err) {
          if (last) return last;
          throw err;
        }
      },
      ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
    });
  }

  async get(key: K): Promise<V> {
    return this.cache ? (await this.cache.forceFetch(key)).value : this.load(key);
  }

  delete(key: K): void {
    this.cache?.delete(key);
  }

  clear(): void {
    this.cache?.clear();
  }
}
