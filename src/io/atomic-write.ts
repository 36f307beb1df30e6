/**
 * Atomic file output: write to a temp file in the same folder, fsync, rename, fsync the folder.
 * A failed or interrupted write leaves no half-written file behind.
 */
import { open, rename, rm, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ScelleError } from '../errors.js';
import { syncFolder } from './atomic-output.js';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode of the result (e.g. 0o600 for secrets). Default 0o644. */
  mode?: number;
  /** Refuse to replace an existing file (`IO_ERROR`). Default false. */
  exclusive?: boolean;
}

/**
 * Writes `data` to `path` atomically.
 * @throws ScelleError `IO_ERROR` when the folder cannot be written or (`exclusive`) the file exists.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    if (options.exclusive) {
      try {
        const h = await open(path, 'r');
        await h.close();
        throw new ScelleError('IO_ERROR', `refusing to overwrite existing file ${path}`, { params: { file: path } });
      } catch (e) {
        if (e instanceof ScelleError) throw e;
      }
    }
    const h = await open(tmp, 'wx', options.mode ?? 0o644);
    try {
      await h.writeFile(data);
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, path);
    await syncFolder(dir);
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof ScelleError) throw e;
    throw new ScelleError('IO_ERROR', `cannot write ${path}: ${(e as Error).message}`, { cause: e, params: { file: path } });
  }
}
