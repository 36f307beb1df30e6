/**
 * `file:///path` — a folder on a local disk (or a mounted NAS share).
 *
 * Keys map to paths under the root (`data/3f/3f9a…` → `ROOT/data/3f/3f9a…`): the fan-out folders
 * are the ones the keys name. Writes follow HOUSE-STYLE: temp file in the destination folder,
 * fsync, rename, fsync the folder, so a crash leaves the old object or the new one, never a part.
 * Temp names carry `~tmp~`, outside the key alphabet, so `list` never shows them.
 */
import { link, lstat, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ScelleError } from '../../errors.js';
import { syncFolder } from '../../io/atomic-output.js';
import { checkKey, checkPrefix, errorText, isValidKey, objectMissing, destinationError, destinationOffline, tempName } from './common.js';
import type { ObjectInfo, ProbeResult, Destination, DestinationInfo } from './destination.js';

/** System errors that mean the medium went away (a drive pulled out mid-write). */
const GONE = new Set(['EIO', 'ENODEV', 'ENXIO', 'ENOTCONN', 'ESTALE', 'ESHUTDOWN']);
/** System errors that mean hard links are not available (FAT/exFAT drives, some shares). */
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS', 'EMLINK']);

/** Options of {@link LocalDestination}. */
export interface LocalDestinationOptions {
  /** fsync files and folders (default true). Tests of throughput may turn it off; never in use. */
  sync?: boolean;
}

/**
 * A destination in a local folder. Also the base of the removable-drive target, which adds a
 * presence check (see usb.ts) through {@link LocalDestination.ensureOnline}.
 */
export class LocalDestination implements Destination {
  readonly info: DestinationInfo;
  /** The folder that holds the objects. */
  readonly root: string;
  private readonly sync: boolean;

  constructor(info: DestinationInfo, root: string, options: LocalDestinationOptions = {}) {
    this.info = info;
    this.root = root;
    this.sync = options.sync ?? true;
  }

  /**
   * Online when the folder exists, or can be created because its parent folder exists (the first
   * `put` creates it). A missing parent (an unmounted share) is offline.
   */
  async probe(): Promise<ProbeResult> {
    for (const path of [this.root, dirname(this.root)]) {
      try {
        const s = await stat(path);
        if (!s.isDirectory()) return { online: false, reason: `${path} is not a folder` };
        return { online: true };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return { online: false, reason: `${path} is not accessible (${errorText(e)})` };
      }
    }
    return { online: false, reason: `neither ${this.root} nor its parent folder exists (is the disk mounted?)` };
  }

  /** Throws TARGET_OFFLINE when the destination cannot be used; the folder target always can. */
  protected async ensureOnline(): Promise<void> {}

  /** Keys that belong to the target itself (the drive label) and are neither listed nor written. */
  protected isReserved(_key: string): boolean {
    return false;
  }

  private pathOf(key: string): string {
    checkKey(this.info, key);
    if (this.isReserved(key)) throw destinationError(this.info, `use ${key}`, 'this name is reserved by the destination');
    return join(this.root, ...key.split('/'));
  }

  /** Maps a system error to TARGET_OFFLINE (medium gone) or TARGET_ERROR. */
  protected fail(what: string, e: unknown): Error {
    if (e instanceof ScelleError) return e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (GONE.has(code)) return destinationOffline(this.info, `${errorText(e)} (the medium went away)`, e);
    return destinationError(this.info, what, errorText(e), e);
  }

  /** Writes `data` to a fresh temp file next to `path` and fsyncs it; returns the temp path. */
  private async writeTemp(path: string, data: Uint8Array): Promise<string> {
    const dir = dirname(path);
    const tmp = join(dir, tempName(path.slice(dir.length + 1)));
    let h;
    try {
      h = await open(tmp, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(dir, { recursive: true });
      h = await open(tmp, 'wx', 0o600);
    }
    try {
      await h.writeFile(data);
      if (this.sync) await h.sync();
    } catch (e) {
      await h.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await h.close();
    return tmp;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await this.ensureOnline();
    let tmp: string | undefined;
    try {
      tmp = await this.writeTemp(path, data);
      await rename(tmp, path);
      tmp = undefined;
      if (this.sync) await syncFolder(dirname(path));
    } catch (e) {
      if (tmp !== undefined) await unlink(tmp).catch(() => undefined);
      throw this.fail(`write ${key}`, e);
    }
  }

  /**
   * link(2) fails with EEXIST when the name exists, so publishing the complete temp file under
   * the key is both exclusive and atomic. Without hard links (FAT/exFAT drives) the fallback is
   * an O_EXCL create written in place: still exclusive, but a crash may leave a short object.
   */
  async putIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
    const path = this.pathOf(key);
    await this.ensureOnline();
    let tmp: string | undefined;
    try {
      tmp = await this.writeTemp(path, data);
      try {
        await link(tmp, path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (code === 'EEXIST') return false;
        if (!NO_LINK.has(code)) throw e;
        return await this.createExclusive(path, data);
      }
      if (this.sync) await syncFolder(dirname(path));
      return true;
    } catch (e) {
      throw this.fail(`write ${key}`, e);
    } finally {
      if (tmp !== undefined) await unlink(tmp).catch(() => undefined);
    }
  }

  private async createExclusive(path: string, data: Uint8Array): Promise<boolean> {
    let h;
    try {
      h = await open(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
    try {
      await h.writeFile(data);
      if (this.sync) await h.sync();
    } finally {
      await h.close();
    }
    if (this.sync) await syncFolder(dirname(path));
    return true;
  }

  async get(key: string): Promise<Uint8Array> {
    const path = this.pathOf(key);
    await this.ensureOnline();
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw objectMissing(this.info, key, e);
      throw this.fail(`read ${key}`, e);
    }
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    const path = this.pathOf(key);
    await this.ensureOnline();
    try {
      const s = await stat(path);
      return s.isFile() ? { size: s.size } : undefined;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw this.fail(`read ${key}`, e);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkPrefix(this.info, prefix);
    await this.ensureOnline();
    // Start at the deepest folder the prefix names completely (`data/3f` starts at `data/`).
    const cut = prefix.lastIndexOf('/');
    const base = cut < 0 ? '' : prefix.slice(0, cut + 1);
    const stack: string[] = [base];
    while (stack.length > 0) {
      const rel = stack.pop() as string;
      let entries;
      try {
        entries = await readdir(rel === '' ? this.root : join(this.root, ...rel.slice(0, -1).split('/')), { withFileTypes: true });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue;
        throw this.fail(`list ${prefix || '/'}`, e);
      }
      for (const entry of entries) {
        const key = rel + entry.name;
        // Temp files (`~tmp~`) and foreign files are not objects.
        if (!isValidKey(key)) continue;
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) stack.push(`${key}/`);
        } else if (entry.isFile() && key.startsWith(prefix) && !this.isReserved(key)) {
          let size: number;
          try {
            size = (await lstat(join(this.root, ...key.split('/')))).size;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
            throw this.fail(`list ${prefix || '/'}`, e);
          }
          yield { key, size };
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await this.ensureOnline();
    try {
      await unlink(path);
      if (this.sync) await syncFolder(dirname(path));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw this.fail(`delete ${key}`, e);
    }
  }

  async close(): Promise<void> {}
}
