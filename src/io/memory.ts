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

/** The largest buffers glibc is to reuse rather than map anew (a chunk is at most 8 MiB, plus overhead). */
const CHUNK_BUFFERS = 9 * 1024 * 1024;
let raised = false;

/**
 * Lets glibc's allocator reuse the memory of chunk-sized buffers (up to 9 MiB) instead of
 * mapping and zeroing fresh pages for each. glibc maps every allocation of 128 KiB or more on its
 * own and unmaps it when freed, until it frees a larger mapped one: then it raises that threshold
 * to the freed size (mallopt(3), M_MMAP_THRESHOLD, "dynamic adjustment"). Each decrypted or
 * compressed chunk is such a buffer, so a fresh process page-faulted every byte it decrypted until
 * an 8 MiB chunk happened to be freed: verifying the 726 MiB bench repository in one thread took
 * 3.7–4.4 s of CPU (a million page faults' worth of system time) against 1.8 s once raised.
 *
 * Allocating one such buffer and freeing it at once raises the threshold for the whole process
 * (every thread: it is global). Needs `gc` to free it now ({@link exposedGc}); a no-op otherwise,
 * and on allocators other than glibc's. Once per process.
 */
export function keepLargeBuffersMapped(): void {
  if (raised) return;
  raised = true;
  const gc = exposedGc();
  if (gc === undefined) return;
  (() => {
    const b = Buffer.allocUnsafeSlow(CHUNK_BUFFERS);
    b[0] = 1;
  })();
  gc({ type: 'major' });
}
