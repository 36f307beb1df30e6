/**
 * syncfs(2): make everything written to one file system durable with a single journal commit.
 * Node has no binding for it, so this asks coreutils' `sync --file-system` (Linux, coreutils 8.24
 * and later). Where it is missing (macOS, Windows, a minimal system) the answer is `false` and the
 * caller fsyncs file by file instead.
 *
 * Why: one fsync per file makes ext4 commit its journal once per file, and every commit stalls
 * the threads creating the next files; an import of thousands of letters spent more time in those
 * stalls than decrypting. One commit per batch of files keeps the same guarantee — a file is
 * renamed into place only once its data is on disk — at a fraction of the cost.
 */
import { execFile } from 'node:child_process';

/** Longest a batch's sync may take (a slow USB stick with hundreds of MiB pending). */
const SYNC_TIMEOUT_MS = 15 * 60_000;

/**
 * Flushes the file system holding `dir`. Resolves true once its data and metadata are durable,
 * false when this system cannot do it (or it failed: the caller then fsyncs file by file, which
 * reports the error with its file). Never rejects.
 */
export function syncFileSystem(dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      execFile('sync', ['--file-system', dir], { timeout: SYNC_TIMEOUT_MS, windowsHide: true }, (e) => resolve(e === null));
    } catch {
      resolve(false);
    }
  });
}
