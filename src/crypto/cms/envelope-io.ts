/**
 * Byte plumbing shared by envelope encryption and decryption: a file reader that keeps one read
 * in flight while the caller encrypts the previous chunk, and the normalisation of caller sources.
 */
import { close, fstat, open, read } from 'node:fs';
import { ScelleError, isScelleError } from '../../errors.js';
import { fsError as fsErrorOf } from '../../io/fs-errors.js';

/**
 * Chunk size for envelope files. Each read is a round trip to libuv's thread pool; 256 KiB keeps
 * those round trips small against AES-GCM at ~1–2 GiB/s, and keeps the buffers in flight (one
 * read ahead, one being encrypted, one being written) and the dead ones that wait for the next
 * collection (src/io/memory.ts) to a few megabytes: with 1 MiB chunks a 1 GiB file peaked ~15 MiB
 * higher.
 */
export const ENVELOPE_CHUNK = 256 * 1024;

/** Content to encrypt: chunks of bytes, synchronous or asynchronous. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

function fsError(e: unknown, path: string): ScelleError {
  return isScelleError(e) ? e : fsErrorOf(e, path, 'read');
}

/** An open input file: its size (undefined for a pipe or a device) and its chunks. */
export interface InputFile {
  size: number | undefined;
  chunks: AsyncGenerator<Uint8Array, void, undefined>;
}

/** Options of {@link openInputFile}. */
export interface InputFileOptions {
  /**
   * Read into two buffers taken in turn instead of a fresh one per chunk: no garbage per chunk,
   * but a chunk is valid only until the next one is asked for. For consumers that use each chunk
   * at once (a cipher's `update`) and keep nothing.
   */
  reuseBuffers?: boolean;
}

/**
 * Opens `path` for reading in chunks of `chunkSize` with one read ahead. Every chunk is a fresh
 * buffer (a writer may keep it), unless `reuseBuffers`. The file is closed when iteration ends,
 * fails or stops early.
 * @throws ScelleError FILE_NOT_FOUND, IO_ERROR (a folder, unreadable).
 */
export async function openInputFile(path: string, chunkSize = ENVELOPE_CHUNK, options: InputFileOptions = {}): Promise<InputFile> {
  const fd = await new Promise<number>((resolve, reject) => open(path, 'r', (e, n) => (e ? reject(fsError(e, path)) : resolve(n))));
  let size: number | undefined;
  try {
    const st = await new Promise<import('node:fs').Stats>((resolve, reject) => fstat(fd, (e, s) => (e ? reject(e) : resolve(s))));
    if (st.isDirectory()) throw new ScelleError('NOT_A_FILE', `${path} is a folder, not a file`, { params: { file: path } });
    size = st.isFile() ? st.size : undefined;
  } catch (e) {
    close(fd, () => undefined);
    throw fsError(e, path);
  }
  return { size, chunks: readAhead(fd, path, chunkSize, size, options.reuseBuffers === true) };
}

async function* readAhead(fd: number, path: string, chunkSize: number, size: number | undefined, reuse: boolean): AsyncGenerator<Uint8Array, void, undefined> {
  let position = 0;
  let ended = false;
  // Two buffers suffice: chunk k is yielded while chunk k+1 is read, and chunk k+2 is read into
  // chunk k's buffer only once the consumer asked for chunk k+1.
  const ringSize = size !== undefined ? Math.min(chunkSize, size + 1) : chunkSize;
  const ring = reuse ? [Buffer.allocUnsafe(ringSize), Buffer.allocUnsafe(ringSize)] : undefined;
  let reads = 0;
  const next = (): Promise<Uint8Array | undefined> => {
    // A regular file: ask for one byte past its size at the end, so that the end shows as a short
    // read without another round trip. A pipe: read where it stands.
    const want = size !== undefined ? Math.max(1, Math.min(chunkSize, size - position + 1)) : chunkSize;
    const at = size !== undefined ? position : null;
    position += want;
    const buffer = ring !== undefined ? ring[reads++ % 2]! : Buffer.allocUnsafe(want);
    return new Promise((resolve, reject) => {
      read(fd, buffer, 0, want, at, (e, n) => {
        if (e) return reject(fsError(e, path));
        if (n === 0 || (size !== undefined && n < want)) ended = true;
        resolve(n === 0 ? undefined : n === buffer.byteLength ? buffer : buffer.subarray(0, n));
      });
    });
  };
  try {
    let current = next();
    for (;;) {
      const chunk = await current;
      if (chunk === undefined) return;
      if (size !== undefined) {
        current = ended ? Promise.resolve(undefined) : next();
        current.catch(() => undefined); // surfaces when awaited
      }
      yield chunk;
      if (size === undefined) current = ended ? Promise.resolve(undefined) : next();
    }
  } finally {
    await new Promise<void>((done) => close(fd, () => done()));
  }
}

/** Iterates a caller's source as Uint8Array chunks; a failing source becomes IO_ERROR (ScelleErrors pass). */
export async function* bytesOf(source: ByteSource, what: string): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    for await (const chunk of source as AsyncIterable<unknown>) {
      if (!(chunk instanceof Uint8Array)) throw new ScelleError('USAGE', `${what} yielded a ${typeof chunk}, not bytes (was an encoding set on the stream?)`);
      if (chunk.byteLength > 0) yield chunk;
    }
  } catch (e) {
    if (isScelleError(e)) throw e;
    throw new ScelleError('IO_ERROR', `reading ${what} failed: ${(e as Error)?.message ?? String(e)}`, { cause: e, params: { file: what } });
  }
}
