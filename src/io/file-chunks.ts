/** Reading large input files as a stream of chunks, with scelle's errors instead of raw Node ones. */
import { open } from 'node:fs/promises';
import { ScelleError } from '../errors.js';

/** Default chunk size: large enough for native hashing to run at full speed, small enough to bound memory. */
export const FILE_CHUNK_SIZE = 1024 * 1024;

/**
 * Yields the bytes of `path` in chunks of at most `chunkSize` (each chunk a fresh buffer, safe to keep).
 * Nothing is read until the first `next()`; the file is closed when iteration ends or stops early.
 * @throws ScelleError `FILE_NOT_FOUND`, `IO_ERROR` (unreadable, a folder).
 */
export async function* readFileChunks(path: string, chunkSize = FILE_CHUNK_SIZE): AsyncGenerator<Uint8Array, void, undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
    if ((await handle.stat()).isDirectory()) throw new ScelleError('IO_ERROR', `${path} is a folder, not a file`, { params: { file: path } });
  } catch (e) {
    await handle?.close();
    throw mapError(e, path);
  }
  try {
    for (;;) {
      const buf = new Uint8Array(chunkSize);
      let n: number;
      try {
        ({ bytesRead: n } = await handle.read(buf, 0, chunkSize, null));
      } catch (e) {
        throw mapError(e, path);
      }
      if (n === 0) return;
      yield n === chunkSize ? buf : buf.subarray(0, n);
    }
  } finally {
    await handle.close();
  }
}

function mapError(e: unknown, path: string): ScelleError {
  if (e instanceof ScelleError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ScelleError('FILE_NOT_FOUND', `file not found: ${path}`, { params: { file: path }, cause: e });
  if (code === 'EISDIR') return new ScelleError('IO_ERROR', `${path} is a folder, not a file`, { params: { file: path }, cause: e });
  return new ScelleError('IO_ERROR', `cannot read ${path}: ${(e as Error).message}`, { params: { file: path }, cause: e });
}
