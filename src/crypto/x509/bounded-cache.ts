/**
 * A small bounded map for memoizing work on immutable bytes (parsed certificates, public keys,
 * decoded names), so that verifying a thousand signatures by the same practitioner parses the
 * same certificates once. Keys are the exact bytes themselves ({@link bytesKey}), never names.
 * When full, the least recently used entry goes: memory stays bounded whatever the input.
 */

/** A Map capped at `capacity` entries, evicting the least recently used. */
export class BoundedCache<K, V> {
  readonly #map = new Map<K, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      // Refresh: Map iterates in insertion order, so the first key is the least recently used.
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
  }
}

/**
 * A cache key for exact bytes: the bytes themselves as a latin1 string (one byte per character, so
 * two keys are equal exactly when the bytes are). Cheaper than a digest for the few KB of a
 * certificate, and free of any collision question.
 */
export function bytesKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
