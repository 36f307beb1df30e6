/**
 * Reusable pack buffers for restore and verify. Reading 800 MiB of ~5 MiB packs into fresh
 * buffers costs twice: every page of each new buffer is faulted in by the kernel, and a pack lives
 * across several minor collections (its chunks are decrypted one by one), so V8 promotes it and
 * only a full collection frees it — V8 starts one each time ~64 MiB of such external memory piles
 * up, in each thread, which also raised the peak RSS by as much. A reader takes a buffer here,
 * reads a pack into it, and gives it back once no job holds the pack any more: a few buffers serve
 * the whole run, and their pages stay mapped.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { LIMITS } from './objects.js';
import type { LocalDestination } from './destination/local.js';

/** Buffers are sized in steps of 1 MiB, so that one serves packs of slightly different sizes. */
const STEP = 1024 * 1024;
/** Larger packs (a rare pack of one 8 MiB+ chunk) get a buffer of their own, not kept. */
const LARGEST_KEPT = 16 * 1024 * 1024;

export class PackBuffers {
  readonly #free: ArrayBuffer[] = [];
  readonly #mine = new WeakSet<ArrayBuffer>();
  readonly #keep: number;

  /**
   * `keep`: free buffers kept at most (the others are left to the collector). A buffer is free only
   * between the eviction of a pack and the read of the next one: two are enough, more only adds
   * to the peak memory.
   */
  constructor(keep: number) {
    this.#keep = keep;
  }

  /** A buffer of `size` bytes (contents undefined), to give back with {@link give}. */
  take(size: number): Buffer {
    const i = this.#free.findIndex((b) => b.byteLength >= size);
    if (i >= 0) return Buffer.from(this.#free.splice(i, 1)[0]!, 0, size);
    const ab = Buffer.allocUnsafeSlow(size > LARGEST_KEPT ? size : Math.ceil(size / STEP) * STEP).buffer as ArrayBuffer;
    if (size <= LARGEST_KEPT) this.#mine.add(ab);
    return Buffer.from(ab, 0, size);
  }

  /**
   * Gives back a buffer from {@link take}: the caller must not use it (or any view of it) any
   * more. Bytes that did not come from this pool are ignored (left to the collector).
   */
  give(bytes: Uint8Array): void {
    const ab = bytes.buffer as ArrayBuffer;
    if (!this.#mine.has(ab) || this.#free.includes(ab) || this.#free.length >= this.#keep) return;
    this.#free.push(ab);
  }
}

/**
 * Reads a pack of a local folder into a buffer of `buffers`. Any problem (a missing pack, a drive
 * gone, a pack above the bound) is left to `LocalDestination.get`, which names it as the target does.
 */
export async function readLocalPack(local: LocalDestination, key: string, buffers: PackBuffers): Promise<Uint8Array> {
  let bytes: Buffer | undefined;
  try {
    const h = await open(join(local.root, ...key.split('/')), 'r');
    try {
      const { size } = await h.stat();
      if (size > LIMITS.pack) return local.get(key, { maxBytes: LIMITS.pack });
      const buf = buffers.take(size);
      let o = 0;
      while (o < size) {
        const { bytesRead } = await h.read(buf, o, size - o, o);
        if (bytesRead === 0) break;
        o += bytesRead;
      }
      if (o === size) bytes = buf;
      else buffers.give(buf);
    } finally {
      await h.close();
    }
  } catch {
    bytes = undefined;
  }
  return bytes ?? local.get(key, { maxBytes: LIMITS.pack });
}
