/**
 * Deflate (RFC 1951) for zip entries, on node:zlib.
 *
 * Writing, large inputs are compressed the way pigz does: each chunk is its own zlib call (run in
 * libuv's thread pool, so several chunks — and the next files — compress in parallel), primed with
 * the previous chunk's last 32 KiB as a dictionary so that matches still reach across the
 * boundary, and ended with a sync flush (an empty stored block: byte-aligned, not final). The
 * stream ends with an empty final fixed-Huffman block (`03 00`). The concatenation is one valid
 * deflate stream for any inflater (7-Zip, zlib, Info-ZIP).
 *
 * Reading, a single streaming inflater whose output is pulled chunk by chunk, so that a zip bomb
 * is stopped by the caller's counters before it fills memory.
 */
import { constants, createInflateRaw, deflateRaw } from 'node:zlib';
import { ScelleError } from '../../errors.js';

/** Deflate's window: a chunk primed with this much of what precedes it loses almost nothing. */
export const DEFLATE_WINDOW = 32 * 1024;
/** An empty final block (BFINAL=1, fixed Huffman, end-of-block): ends a stream of sync-flushed chunks. */
export const DEFLATE_END = new Uint8Array([0x03, 0x00]);

/**
 * Compresses one chunk of a stream (a sync-flushed, non-final piece). `dictionary` is the input
 * that precedes it (its last 32 KiB are used).
 */
export function deflateChunk(chunk: Uint8Array, level: number, dictionary?: Uint8Array): Promise<Uint8Array> {
  const dict = dictionary !== undefined && dictionary.byteLength > 0 ? dictionary.subarray(Math.max(0, dictionary.byteLength - DEFLATE_WINDOW)) : undefined;
  return new Promise((resolve, reject) => {
    deflateRaw(chunk, { level, finishFlush: constants.Z_SYNC_FLUSH, ...(dict !== undefined ? { dictionary: dict } : {}) }, (e, out) =>
      e ? reject(new ScelleError('INTERNAL', `deflate failed: ${e.message}`, { cause: e })) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)));
  });
}

/** Compresses a whole buffer into one complete deflate stream. */
export function deflateWhole(data: Uint8Array, level: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    deflateRaw(data, { level }, (e, out) => (e ? reject(new ScelleError('INTERNAL', `deflate failed: ${e.message}`, { cause: e })) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength))));
  });
}

/**
 * Inflates a raw deflate stream chunk by chunk. The inflater is destroyed when the consumer stops
 * early (a bomb cap hit). Invalid or truncated deflate data → `corrupt(detail)`.
 */
export async function* inflateChunks(source: AsyncIterable<Uint8Array>, corrupt: (detail: string) => Error): AsyncGenerator<Uint8Array, void, undefined> {
  const inflater = createInflateRaw({ chunkSize: 256 * 1024 });
  let failure: Error | undefined;
  inflater.on('error', (e) => {
    failure ??= e;
  });
  // Feed input with back-pressure in the background; the output is pulled below.
  const feeding = (async () => {
    try {
      for await (const chunk of source) {
        if (inflater.destroyed) return;
        if (!inflater.write(chunk)) await new Promise<void>((resolve) => {
          const done = (): void => {
            inflater.off('drain', done);
            inflater.off('close', done);
            resolve();
          };
          inflater.on('drain', done);
          inflater.on('close', done);
        });
      }
      if (!inflater.destroyed) inflater.end();
    } catch (e) {
      failure ??= e as Error;
      inflater.destroy();
    }
  })();
  try {
    try {
      for await (const out of inflater as AsyncIterable<Buffer>) yield new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e) {
      failure ??= e as Error;
    }
    await feeding;
    if (failure !== undefined) {
      if (failure instanceof ScelleError) throw failure;
      const code = (failure as NodeJS.ErrnoException).code;
      throw corrupt(code === 'Z_BUF_ERROR' ? 'the compressed data ends early' : `invalid compressed data (${failure.message})`);
    }
  } finally {
    if (!inflater.destroyed) inflater.destroy();
    await feeding.catch(() => undefined);
  }
}
