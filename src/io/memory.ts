/**
 * Bounded memory in long streaming loops. Each `cipher.update()` returns a fresh Buffer whose
 * native backing store is freed only when V8 collects the small JavaScript object that wraps it.
 * A loop that encrypts a gigabyte makes almost no JavaScript garbage, so the collector seldom runs
 * and tens of megabytes of dead buffers pile up outside the heap before it does.
 *
 * When the embedder exposes `globalThis.gc` (the scelle command line does; so does `node
 * --expose-gc`), {@link releaseBuffersEvery} asks for a minor collection every few megabytes: the
 * young generation holds nothing else of size, so it costs tens of microseconds and frees the
 * dead buffers at once. Without `gc` it does nothing: library users are unaffected.
 */

import { runInNewContext } from 'node:vm';

/** V8's `gc` extension (`--expose-gc`). */
type GcFunction = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

/**
 * Default bytes between two collections. Not much less: a buffer still in flight at two
 * collections in a row is promoted to the old generation, where only a full collection frees it
 * (collecting every 512 KiB of 256 KiB chunks peaked ~25 MiB higher than every 1 MiB).
 */
export const RELEASE_INTERVAL = 1024 * 1024;

/**
 * Returns a counter to call with the bytes each step of a loop allocated; every `interval` bytes
 * it runs a minor garbage collection, when `globalThis.gc` is exposed.
 */
export function releaseBuffersEvery(interval = RELEASE_INTERVAL): (bytes: number) => void {
  const gc = exposedGc();
  if (gc === undefined) return () => undefined;
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < interval) return;
    since = 0;
    gc({ type: 'minor' });
  };
}

/**
 * V8's `gc` when the process exposes it (`--expose-gc`, which the scelle command line sets), in
 * the main thread or a worker: a worker's global object lacks `gc` even then, but a fresh context
 * has it. Undefined for library users who did not expose it.
 */
export function exposedGc(): GcFunction | undefined {
  const own = (globalThis as { gc?: GcFunction }).gc;
  if (typeof own === 'function') return own;
  try {
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as GcFunction) : undefined;
  } catch {
    return undefined;
  }
}
