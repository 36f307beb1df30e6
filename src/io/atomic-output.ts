/**
 * Streamed atomic file output: bytes go to a temp file in the destination folder (same
 * filesystem, so the final rename is atomic), then fsync, rename over the destination, fsync the
 * folder. Until {@link AtomicOutput.commit} the destination is untouched; {@link AtomicOutput.abort}
 * (or any failure) removes the temp file, so an interrupted or failed run leaves nothing behind.
 *
 * The whole-buffer variant is {@link writeFileAtomic}; this one is for outputs too large to hold
 * in memory (an attached signature of a multi-gigabyte file).
 */
import { close, fsync, open as openFd, writev } from 'node:fs';
import { open, rename, rm, mkdir, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ScelleError } from '../errors.js';
import type { AtomicWriteOptions } from './atomic-write.js';

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
  close: (handle: number): Promise<void> => new Promise((resolve, reject) => close(handle, (e) => (e ? reject(e) : resolve()))),
};

function ioError(path: string, what: string, e: unknown): ScelleError {
  if (e instanceof ScelleError) return e;
  return new ScelleError('IO_ERROR', `cannot ${what} ${path}: ${(e as Error).message}`, { cause: e, params: { file: path } });
}

/**
 * Opens a temp file next to `path` for a streamed atomic write.
 * @throws ScelleError `IO_ERROR` when the folder cannot be written or (`exclusive`) `path` exists.
 */
export async function openAtomicOutput(path: string, options: AtomicOutputOptions = {}): Promise<AtomicOutput> {
  const dir = dirname(path);
  const tempPath = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: number;
  try {
    if (options.exclusive && (await exists(path))) {
      throw new ScelleError('IO_ERROR', `refusing to overwrite existing file ${path}`, { params: { file: path } });
    }
    try {
      handle = await fd.open(tempPath, 'wx', options.mode ?? 0o644);
    } catch (e) {
      // The folder is created only when missing: one system call less per file in a batch.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(dir, { recursive: true });
      handle = await fd.open(tempPath, 'wx', options.mode ?? 0o644);
    }
  } catch (e) {
    throw ioError(path, 'write', e);
  }

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

  const flush = async (): Promise<void> => {
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
  };

  const abort = async (): Promise<void> => {
    if (state !== 'open') return;
    state = 'aborted';
    pending = [];
    await closeOnce().catch(() => undefined);
    await rm(tempPath, { force: true }).catch(() => undefined);
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
          throw ioError(path, 'write', e);
        }
      }
    },
    async commit() {
      if (state !== 'open') throw new ScelleError('IO_ERROR', `${path}: commit after the output was ${state}`, { params: { file: path } });
      try {
        await flush();
        await fd.sync(handle);
        await closeOnce();
        state = 'committed';
        await rename(tempPath, path);
      } catch (e) {
        if (state === 'open') await abort();
        else await rm(tempPath, { force: true }).catch(() => undefined);
        throw ioError(path, 'write', e);
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
