/**
 * Atomic file output: write to a temp file in the same folder, fsync, rename, fsync the folder.
 * A failed or interrupted write leaves no half-written file behind. The temp file is 0600 while
 * it is written and known to the run's temp scope (see temp-files.ts); the output gets `mode`
 * under the umask just before the rename.
 */
import { open, rename, rm, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ScelleError } from '../errors.js';
import { ignoreUnsupportedModes, syncFolder } from './atomic-output.js';
import { fsError, isDiskFull, mediumOf } from './fs-errors.js';
import { currentUmask, tempPathFor, trackTemp } from './temp-files.js';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode of the result, under the umask (e.g. 0o600 for secrets). Default 0o644. */
  mode?: number;
  /** Refuse to replace an existing file (`OUTPUT_EXISTS`). Default false. */
  exclusive?: boolean;
}

/**
 * Writes `data` to `path` atomically.
 * @throws ScelleError `OUTPUT_EXISTS` (`exclusive`), `PERMISSION_DENIED`, `READ_ONLY_MEDIUM`,
 *   `DISK_FULL`, `NOT_A_FOLDER`, `IO_ERROR`.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = tempPathFor(path);
  const finalMode = (options.mode ?? 0o644) & ~currentUmask() & 0o7777;
  const untrack = trackTemp(tmp);
  try {
    await mkdir(dir, { recursive: true });
    if (options.exclusive) {
      try {
        const h = await open(path, 'r');
        await h.close();
        throw new ScelleError('OUTPUT_EXISTS', `refusing to overwrite existing file ${path}`, { params: { file: path } });
      } catch (e) {
        if (e instanceof ScelleError) throw e;
      }
    }
    const h = await open(tmp, 'wx', 0o600);
    try {
      await h.writeFile(data);
      if (finalMode !== 0o600) await h.chmod(finalMode).catch(ignoreUnsupportedModes);
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, path);
    await syncFolder(dir);
  } catch (e) {
    await rm(tmp, { force: true });
    throw isDiskFull(e) ? fsError(e, path, 'write', { missingBytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength, medium: await mediumOf(path) }) : fsError(e, path, 'write');
  } finally {
    untrack();
  }
}
