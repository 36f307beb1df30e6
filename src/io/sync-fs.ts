/**
 * syncfs(2): make everything written to one file system durable with a single journal commit.
 * Node has no binding for it, so this asks coreutils' `sync --file-system` (Linux, coreutils 8.24
 * and later), through one small shell started once per batch of work: forking this process (a
 * few hundred MiB, several threads) for each sync cost ~80 ms of its main thread, forking the
 * shell costs a millisecond. Where `sh` or `sync --file-system` is missing (macOS, Windows, a
 * minimal system) the answer is `false` and the caller fsyncs file by file instead.
 *
 * Why: one fsync per file makes ext4 commit its journal once per file, and every commit stalls
 * the threads creating the next files; an import of thousands of letters spent more time in those
 * stalls than decrypting. One commit per batch of files keeps the same guarantee — a file is
 * renamed into place only once its data is on disk — at a fraction of the cost.
 *
 * A file system that keeps nothing across a restart (tmpfs, ramfs) needs no sync at all
 * ({@link isVolatileFileSystem}).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { statfs } from 'node:fs/promises';

/** Syncs file systems through one helper shell; see {@link startFileSystemSyncer}. */
export interface FileSystemSyncer {
  /**
   * Flushes the file system holding `dir`. Resolves true once its data and metadata are durable,
   * false when this system cannot do it (or it failed: the caller then fsyncs file by file, which
   * reports the error with its file). Never rejects.
   */
  sync(dir: string): Promise<boolean>;
  /** Ends the helper. */
  close(): void;
}

/** Starts the helper shell (lazily, at the first {@link FileSystemSyncer.sync}). */
export function startFileSystemSyncer(): FileSystemSyncer {
  let child: ChildProcess | undefined;
  let dead = false;
  let pending = '';
  const waiting: ((ok: boolean) => void)[] = [];
  const fail = (): void => {
    dead = true;
    for (const w of waiting.splice(0)) w(false);
  };
  const start = (): ChildProcess | undefined => {
    if (child !== undefined || dead) return child;
    try {
      child = spawn('sh', ['-c', 'while IFS= read -r d; do if sync --file-system -- "$d" 2>/dev/null; then echo 0; else echo 1; fi; done'], { stdio: ['pipe', 'pipe', 'ignore'], windowsHide: true });
    } catch {
      fail();
      return undefined;
    }
    child.on('error', fail);
    child.on('exit', fail);
    child.stdin!.on('error', fail);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => {
      pending += s;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        waiting.shift()?.(line === '0');
      }
    });
    // The helper must not keep the process alive on its own.
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    return child;
  };
  return {
    sync(dir) {
      if (dir.includes('\n')) return Promise.resolve(false);
      const c = start();
      if (c === undefined || dead) return Promise.resolve(false);
      return new Promise((resolve) => {
        waiting.push(resolve);
        c.stdin!.write(`${dir}\n`);
      });
    },
    close() {
      if (child !== undefined && !dead) {
        dead = true;
        child.stdin!.end();
        for (const w of waiting.splice(0)) w(false);
      }
    },
  };
}

/** statfs(2) magic numbers of file systems that keep nothing across a restart. */
const VOLATILE = new Set([0x01021994 /* tmpfs */, 0x858458f6 /* ramfs */]);

/** True when `dir` is on tmpfs or ramfs (nothing to make durable). */
export async function isVolatileFileSystem(dir: string): Promise<boolean> {
  try {
    return VOLATILE.has(Number((await statfs(dir)).type));
  } catch {
    return false;
  }
}
