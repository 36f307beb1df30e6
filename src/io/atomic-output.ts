/**
 * Streamed atomic file output: bytes go to a temp file in the destination folder (same
 * filesystem, so the final rename is atomic), then fsync, rename over the destination, fsync the
 * folder. Until {@link AtomicOutput.commit} the destination is untouched; {@link AtomicOutput.abort}
 * (or any failure) removes the temp file, so an interrupted or failed run leaves nothing behind.
 *
 * The temp file is created 0600 whatever the umask (it may hold unauthenticated plaintext) and is
 * known to the run's {@link TempScope} until committed or removed, so an interruption removes it;
 * the output gets its final mode (`mode` under the umask, 0600 stays 0600) just before the rename.
 * Failures are scelle errors naming the file: a full medium (DISK_FULL, with how much more room
 * was needed when `expectedBytes` is given), a read-only one, a permission, a missing folder.
 *
 * The whole-buffer variant is {@link writeFileAtomic}; this one is for outputs too large to hold
 * in memory (an attached signature of a multi-gigabyte file).
 */
import { close, fchmod, fdatasync, fsync, open as openFd, writev } from 'node:fs';
import { open, rename, rm, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ScelleError } from '../errors.js';
import type { AtomicWriteOptions } from './atomic-write.js';
import { freeBytes, fsError, isDiskFull, mediumOf, type FsOperation } from './fs-errors.js';
import { currentUmask, tempPathFor, trackTemp } from './temp-files.js';

/** Small writes are gathered up to this many bytes before one `writev` (default of `coalesceBytes`). */
const COALESCE_BYTES = 64 * 1024;

/** Options of {@link openAtomicOutput}. */
export interface AtomicOutputOptions extends AtomicWriteOptions {
  /**
   * fsync the folder after the rename (default true), which makes the new name durable. A batch
   * writing many files may pass false and call {@link syncFolder} once per folder at the end: each
   * file is still complete or absent after a crash; only the last renames may be undone.
   */
  syncFolder?: boolean;
  /**
   * Writes are gathered up to this many bytes before one `writev` (default 64 KiB). A large
   * streamed output (an envelope of a big file, a zip) passes ~1 MiB: fewer, larger system calls,
   * and a producer awaiting `write` rarely waits on the disk. Bytes of a resolved `write` may stay
   * queued until then (e.g. an mtime set on the temp file before commit would be overwritten).
   */
  coalesceBytes?: number;
  /**
   * The size the output is expected to reach (an estimate is fine; a function is asked when the
   * medium fills up): the error then says how much more room was needed.
   */
  expectedBytes?: number | (() => number);
  /**
   * Start an fdatasync in the background each time this many more bytes were written (default:
   * none). For a large output (a zip of a gigabyte): the disk writes it while it is produced, and
   * the fsync of {@link AtomicOutput.commit} waits for the last stretch only instead of the whole
   * file (measured ~0.5 s at the end of a 730 MiB export). Durability is unchanged: commit still
   * fsyncs before the rename.
   */
  syncEveryBytes?: number;
}

/** An output file being written; see {@link openAtomicOutput}. */
export interface AtomicOutput {
  /** The destination path. */
  readonly path: string;
  /** The temp file the bytes go to until {@link AtomicOutput.commit}. */
  readonly tempPath: string;
  /** Bytes written so far. */
  readonly bytesWritten: number;
  /**
   * Appends bytes. The chunk may be kept until the next flush: do not modify it afterwards.
   * @throws ScelleError `IO_ERROR` when the write fails (the output is then aborted).
   */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Flushes, fsyncs, renames the temp file over the destination and fsyncs the folder.
   * @throws ScelleError `IO_ERROR` (the temp file is removed).
   */
  commit(): Promise<void>;
  /** Closes and removes the temp file; the destination is untouched. Never throws. */
  abort(): Promise<void>;
}

/**
 * The temp file is written through a plain descriptor and the callback API: a `FileHandle` costs
 * ~100 µs of main-thread time to create and close on the test VM, a tenth of a letter's signature.
 */
const fd = {
  open: (path: string, flags: string, mode: number): Promise<number> =>
    new Promise((resolve, reject) => openFd(path, flags, mode, (e, n) => (e ? reject(e) : resolve(n)))),
  writev: (handle: number, buffers: Uint8Array[]): Promise<number> =>
    new Promise((resolve, reject) => writev(handle, buffers, (e, n) => (e ? reject(e) : resolve(n)))),
  sync: (handle: number): Promise<void> => new Promise((resolve, reject) => fsync(handle, (e) => (e ? reject(e) : resolve()))),
  datasync: (handle: number): Promise<void> => new Promise((resolve, reject) => fdatasync(handle, (e) => (e ? reject(e) : resolve()))),
  close: (handle: number): Promise<void> => new Promise((resolve, reject) => close(handle, (e) => (e ? reject(e) : resolve()))),
  chmod: (handle: number, mode: number): Promise<void> => new Promise((resolve, reject) => fchmod(handle, mode, (e) => (e ? reject(e) : resolve()))),
};

/** Temp files are private while they are written. */
const TEMP_MODE = 0o600;

/**
 * FAT and exFAT (USB sticks) have no Unix modes: changing one may be refused there. The output of
 * such a drive gets the drive's own permissions; anything else is a real failure.
 */
export function ignoreUnsupportedModes(e: unknown): void {
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
}

/**
 * The scelle error for a failure writing `path`; for a full medium, how much more room the output
 * needed (its expected size minus what it wrote and what is free once the temp file is gone).
 */
async function outputError(path: string, op: FsOperation, e: unknown, expected: number | (() => number) | undefined): Promise<ScelleError> {
  if (!isDiskFull(e) || e instanceof ScelleError) return fsError(e, path, op);
  const expectedBytes = typeof expected === 'function' ? expected() : expected;
  const free = await freeBytes(dirname(path));
  // After the abort the temp file's blocks are free again: what was free before this output began.
  const missing = expectedBytes !== undefined && free !== undefined && expectedBytes > free ? expectedBytes - free : undefined;
  return fsError(e, path, op, { ...(missing !== undefined ? { missingBytes: missing } : {}), medium: await mediumOf(path) });
}

/**
 * Opens a temp file next to `path` for a streamed atomic write.
 * @throws ScelleError `OUTPUT_EXISTS` (`exclusive` and `path` exists), `PERMISSION_DENIED`,
 *   `READ_ONLY_MEDIUM`, `DISK_FULL`, `NOT_A_FOLDER`, `IO_ERROR`.
 */
export async function openAtomicOutput(path: string, options: AtomicOutputOptions = {}): Promise<AtomicOutput> {
  const dir = dirname(path);
  const tempPath = tempPathFor(path);
  // The final mode, under the umask as for any new file; a private (0600) output stays private.
  const finalMode = (options.mode ?? 0o644) & ~currentUmask() & 0o7777;
  let handle: number;
  try {
    if (options.exclusive && (await exists(path))) {
      throw new ScelleError('OUTPUT_EXISTS', `refusing to overwrite existing file ${path}`, { params: { file: path } });
    }
    try {
      handle = await fd.open(tempPath, 'wx', TEMP_MODE);
    } catch (e) {
      // The folder is created only when missing: one system call less per file in a batch.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(dir, { recursive: true });
      handle = await fd.open(tempPath, 'wx', TEMP_MODE);
    }
  } catch (e) {
    throw fsError(e, path, 'write');
  }
  const untrack = trackTemp(tempPath);

  const coalesceBytes = Math.max(1, options.coalesceBytes ?? COALESCE_BYTES);
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let written = 0;
  let state: 'open' | 'committed' | 'aborted' = 'open';
  // A descriptor number is reused by the next open: it must never be closed twice (even when the
  // first close failed, Linux has released it), or another file of the batch would lose its own.
  let closed = false;
  const closeOnce = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await fd.close(handle);
  };

  // The background fdatasync (syncEveryBytes): at most one at a time; its failure is thrown by the
  // next write or the commit.
  const syncEvery = options.syncEveryBytes ?? 0;
  let syncedUpTo = 0;
  let background: Promise<void> | undefined;
  let backgroundError: unknown;
  const startBackgroundSync = (): void => {
    if (syncEvery <= 0 || background !== undefined || written - syncedUpTo < syncEvery) return;
    syncedUpTo = written;
    background = fd.datasync(handle).then(
      () => undefined,
      (e: unknown) => {
        backgroundError ??= e;
      },
    ).finally(() => {
      background = undefined;
    });
  };
  const settleBackground = async (): Promise<void> => {
    await background;
    if (backgroundError !== undefined) throw backgroundError;
  };

  const flush = async (): Promise<void> => {
    if (backgroundError !== undefined) throw backgroundError;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    // writev may write partially: loop until every byte of the batch is on its way to disk.
    let buffers = batch;
    while (buffers.length > 0) {
      const bytesWritten = await fd.writev(handle, buffers);
      let left = bytesWritten;
      const rest: Uint8Array[] = [];
      for (const b of buffers) {
        if (left >= b.byteLength) left -= b.byteLength;
        else {
          rest.push(left === 0 ? b : b.subarray(left));
          left = 0;
        }
      }
      buffers = rest;
    }
    startBackgroundSync();
  };

  const abort = async (): Promise<void> => {
    if (state !== 'open') return;
    state = 'aborted';
    pending = [];
    await background;
    await closeOnce().catch(() => undefined);
    await rm(tempPath, { force: true }).catch(() => undefined);
    untrack();
  };

  return {
    path,
    tempPath,
    get bytesWritten() {
      return written;
    },
    async write(chunk) {
      if (state !== 'open') throw new ScelleError('IO_ERROR', `${path}: write after the output was ${state}`, { params: { file: path } });
      if (chunk.byteLength === 0) return;
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      written += chunk.byteLength;
      if (pendingBytes >= coalesceBytes) {
        try {
          await flush();
        } catch (e) {
          await abort();
          throw await outputError(path, 'write', e, options.expectedBytes);
        }
      }
    },
    async commit() {
      if (state !== 'open') throw new ScelleError('IO_ERROR', `${path}: commit after the output was ${state}`, { params: { file: path } });
      try {
        await flush();
        await settleBackground();
        if (finalMode !== TEMP_MODE) await fd.chmod(handle, finalMode).catch(ignoreUnsupportedModes);
        await fd.sync(handle);
        await closeOnce();
        state = 'committed';
        await rename(tempPath, path);
        untrack();
      } catch (e) {
        if (state === 'open') await abort();
        else {
          await rm(tempPath, { force: true }).catch(() => undefined);
          untrack();
        }
        throw await outputError(path, 'write', e, options.expectedBytes);
      }
      if (options.syncFolder !== false) await syncFolder(dir);
    },
    abort,
  };
}

/**
 * Runs `produce` with a writer into a temp file, then commits it to `path`; when `produce` throws,
 * the temp file is removed, the destination is untouched and the error is rethrown.
 * @throws whatever `produce` throws; ScelleError `IO_ERROR` for failures of the file itself.
 */
export async function writeStreamAtomic<T>(path: string, produce: (write: (chunk: Uint8Array) => Promise<void>) => Promise<T>, options: AtomicOutputOptions = {}): Promise<{ result: T; bytes: number }> {
  const out = await openAtomicOutput(path, options);
  try {
    const result = await produce((chunk) => out.write(chunk));
    await out.commit();
    return { result, bytes: out.bytesWritten };
  } catch (e) {
    await out.abort();
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * fsyncs a folder, making the renames done in it durable. Never throws: some filesystems refuse
 * fsync on a folder, and the renames themselves are atomic anyway.
 */
export async function syncFolder(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Some filesystems refuse fsync on a folder; the rename itself is still atomic.
  }
}
