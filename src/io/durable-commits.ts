/**
 * Many files made durable and moved into place without one fsync standing in line per file.
 *
 * Each file is written to a temp file next to its destination (by any thread) and handed here
 * once closed. Files are committed in batches (1 024 files or 64 MiB): one sync of the file system
 * for the whole batch (syncfs, see sync-fs.ts; where it is missing, an fsync per file, several at
 * once), then each file of the batch is renamed into place. A file is thus renamed only once its
 * data is on disk, and a crash leaves each final name complete or absent — never half written —
 * while the journal commits once per batch instead of once per file (each commit stalls the
 * threads writing the next files). Batches are committed in the background, in order, while the
 * caller writes the next ones; at the end the renames are made durable by one more sync of the
 * file system (every folder on the one synced) or, without it, by an fsync of each folder — on a
 * folder of 200 letter folders that is one device flush instead of 200 (~2 ms each at the end of
 * an import, when nothing else is left to overlap them).
 */
import { close, fsync, open } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ScelleError } from '../errors.js';
import { syncFolder } from './atomic-output.js';
import { fsError } from './fs-errors.js';
import { isVolatileFileSystem, startFileSystemSyncer, type FileSystemSyncer } from './sync-fs.js';

/** A temp file written, complete and closed, to become `path`. */
export interface PendingFile {
  temp: string;
  path: string;
  /** Called once the temp file is renamed or removed (e.g. to forget it in the run's temp scope). */
  done?: () => void;
  /** Its size, counted in {@link DurableCommits.committedBytes} and in the batch size. */
  size?: number;
}

/** Options of {@link DurableCommits}. */
export interface DurableCommitsOptions {
  /** Files per batch (default 1 024). */
  batchFiles?: number;
  /** Bytes per batch (default 64 MiB). */
  batchBytes?: number;
  /** Batches being committed before {@link DurableCommits.add} waits (default 2). */
  maxBatches?: number;
  /** fsync the folders of the files at the end (default true). */
  syncFolders?: boolean;
  /** Makes a batch's data durable (default: a sync of their file system, else an fsync per file). */
  makeDurable?: (files: readonly PendingFile[]) => Promise<void>;
  /**
   * Renames a batch's files into place, one error (or null) per file, a failed one's temp file
   * removed (default: here, one after another). An importer hands them to a worker thread.
   */
  rename?: (files: readonly PendingFile[]) => Promise<(unknown | null)[]>;
  /** The file-system syncer (default: one started at the first batch). For tests. */
  syncer?: FileSystemSyncer;
}

const openFd = (path: string): Promise<number> => new Promise((resolve, reject) => open(path, 'r+', (e, fd) => (e ? reject(e) : resolve(fd))));
const fsyncFd = (fd: number): Promise<void> => new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
const closeFd = (fd: number): Promise<void> => new Promise((resolve) => close(fd, () => resolve()));

/**
 * fsync of each file, eight at once (libuv runs four at a time).
 * @throws ScelleError of the first file whose fsync failed (`DISK_FULL`, `IO_ERROR`, …).
 */
export async function fsyncEach(files: readonly PendingFile[]): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const f = files[next++]!;
      try {
        const fd = await openFd(f.temp);
        try {
          await fsyncFd(fd);
        } finally {
          await closeFd(fd);
        }
      } catch (e) {
        throw fsError(e, f.path, 'write');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, files.length) }, lane));
}

/** Commits files as described in the module comment. */
export class DurableCommits {
  private pending: PendingFile[] = [];
  private pendingBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private batches = 0;
  private failure: ScelleError | undefined;
  private readonly folders = new Set<string>();
  private readonly wakers: (() => void)[] = [];
  /** Whether this system can sync a file system (asked once), through this helper. */
  private syncfs: boolean | undefined;
  private syncer: FileSystemSyncer | undefined;
  /** The files live on tmpfs or ramfs: nothing to make durable (asked once). */
  private volatile: boolean | undefined;
  /** Files renamed into place so far, and their bytes. */
  committed = 0;
  committedBytes = 0;

  constructor(private readonly options: DurableCommitsOptions = {}) {}

  /**
   * Accepts a complete temp file; resolves once there is room for more (back-pressure), not when
   * it is committed.
   * @throws the ScelleError of an earlier batch that failed (the file given is then removed).
   */
  async add(file: PendingFile): Promise<void> {
    if (this.failure !== undefined) {
      await discard(file);
      throw this.failure;
    }
    this.pending.push(file);
    this.pendingBytes += file.size ?? 0;
    if (this.pending.length >= (this.options.batchFiles ?? 1024) || this.pendingBytes >= (this.options.batchBytes ?? 64 * 1024 * 1024)) this.cut();
    while (this.batches > (this.options.maxBatches ?? 2) && this.failure === undefined) await this.wait();
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Commits what is pending and waits for every batch, then fsyncs the folders.
   * @throws the first ScelleError of a failed batch (`DISK_FULL`, `PERMISSION_DENIED`, `IO_ERROR`…).
   */
  async finish(): Promise<void> {
    this.cut();
    await this.chain;
    if (this.failure === undefined) await this.syncFolders();
    this.closeSyncer();
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * After a failure elsewhere: the files accepted are still committed (they are complete and
   * authenticated), their folders fsynced; errors are ignored. Never throws.
   */
  async settle(): Promise<void> {
    this.cut();
    await this.chain;
    await this.syncFolders();
    this.closeSyncer();
  }

  /** Ends the helper shell unless the caller gave its own syncer. */
  private closeSyncer(): void {
    if (this.options.syncer === undefined) this.syncer?.close();
  }

  /**
   * Makes the renames durable: one more sync of the file system when the batches were synced
   * that way and every folder is on that file system, else an fsync of each folder. Never throws
   * (some file systems refuse fsync on a folder; the renames are still atomic).
   */
  private async syncFolders(): Promise<void> {
    if (this.options.syncFolders === false || this.volatile === true || this.folders.size === 0) return;
    const folders = [...this.folders];
    if (this.syncfs === true && this.syncer !== undefined && (await sameFileSystem(folders)) && (await this.syncer.sync(folders[0]!))) return;
    for (const d of folders) await syncFolder(d);
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  /** Starts committing the pending files as one batch (after the batches before it). */
  private cut(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.batches++;
    this.chain = this.chain.then(() => this.commit(batch)).finally(() => {
      this.batches--;
      for (const w of this.wakers.splice(0)) w();
    });
  }

  private async durable(batch: readonly PendingFile[]): Promise<void> {
    if (this.options.makeDurable !== undefined) return this.options.makeDurable(batch);
    const dir = dirname(batch[0]!.path);
    this.volatile ??= await isVolatileFileSystem(dir);
    if (this.volatile) return;
    if (this.syncfs !== false) {
      this.syncer ??= this.options.syncer ?? startFileSystemSyncer();
      const ok = await this.syncer.sync(dir);
      this.syncfs ??= ok;
      if (ok) return;
    }
    await fsyncEach(batch);
  }

  private async commit(batch: readonly PendingFile[]): Promise<void> {
    if (this.failure === undefined) {
      try {
        await this.durable(batch);
      } catch (e) {
        this.failure ??= fsError(e, batch[0]!.path, 'write');
      }
    }
    if (this.failure !== undefined) {
      for (const file of batch) await discard(file);
      return;
    }
    const errors = this.options.rename !== undefined ? await this.options.rename(batch).catch((e: unknown) => batch.map(() => e)) : await renameHere(batch);
    for (const [i, file] of batch.entries()) {
      const e = errors[i];
      if (e === null || e === undefined) {
        this.committed++;
        this.committedBytes += file.size ?? 0;
        this.folders.add(dirname(file.path));
      } else {
        this.failure ??= fsError(e, file.path, 'write');
        await rm(file.temp, { force: true }).catch(() => undefined);
      }
      file.done?.();
    }
  }
}

/** True when every folder is on one file system (a stat each, a few at once; false when one fails). */
async function sameFileSystem(folders: readonly string[]): Promise<boolean> {
  let device: number | undefined;
  let same = true;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (same && next < folders.length) {
      const dev = (await stat(folders[next++]!).catch(() => undefined))?.dev;
      if (dev === undefined || (device !== undefined && dev !== device)) same = false;
      device ??= dev;
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, folders.length) }, lane));
  return same;
}

/** Renames one after another until one fails; the rest are then removed (not committed). */
async function renameHere(batch: readonly PendingFile[]): Promise<(unknown | null)[]> {
  const out: (unknown | null)[] = [];
  let failed = false;
  for (const f of batch) {
    if (failed) {
      out.push(new Error('not committed after an earlier failure'));
      continue;
    }
    try {
      await rename(f.temp, f.path);
      out.push(null);
    } catch (e) {
      failed = true;
      out.push(e);
    }
  }
  return out;
}

/** Closes and removes a temp file that will not be committed. Never throws. */
export async function discard(file: PendingFile): Promise<void> {
  await rm(file.temp, { force: true }).catch(() => undefined);
  file.done?.();
}

/**
 * Files verified out of order (several workers) committed in their order: once item `k` fails,
 * nothing from `k` on is committed — exactly the files a one-at-a-time run would have left.
 */
export class OrderedCommits {
  private readonly ready = new Map<number, PendingFile | null>();
  private next = 0;
  private stopAt = Number.POSITIVE_INFINITY;
  private chain: Promise<void> = Promise.resolve();

  /** `onError` receives a commit's failure (with the index of the file that failed). */
  constructor(private readonly commits: DurableCommits | undefined, private readonly onError: (index: number, e: unknown) => void) {}

  /** Item `index` is complete: its temp file, or null when there is nothing to write. */
  done(index: number, file: PendingFile | null): void {
    this.ready.set(index, file);
    this.chain = this.chain.then(() => this.flush());
  }

  /** Item `index` failed: nothing from it on is committed. */
  stop(index: number): void {
    this.stopAt = Math.min(this.stopAt, index);
  }

  private async flush(): Promise<void> {
    while (this.next < this.stopAt && this.ready.has(this.next)) {
      const index = this.next++;
      const file = this.ready.get(index)!;
      this.ready.delete(index);
      if (file === null) continue;
      if (this.commits === undefined) {
        await discard(file);
        continue;
      }
      try {
        await this.commits.add(file);
      } catch (e) {
        this.stop(index);
        this.onError(index, e);
      }
    }
  }

  /** Waits for the commits started; removes the files that will not be committed. Never throws. */
  async drain(): Promise<void> {
    await this.chain;
    for (const file of this.ready.values()) if (file !== null) await discard(file);
    this.ready.clear();
  }
}
