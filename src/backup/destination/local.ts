/**
 * `file:///path` — a folder on a local disk (or a mounted NAS share).
 *
 * Keys map to paths under the root (`data/3f/3f9a…` → `ROOT/data/3f/3f9a…`): the fan-out folders
 * are the ones the keys name. Writes follow HOUSE-STYLE: temp file in the destination folder,
 * fsync, rename, fsync the folder, so a crash leaves the old object or the new one, never a part.
 * Temp names carry `~tmp~`, outside the key alphabet, so `list` never shows them.
 *
 * The root folder is never created by a write: a missing root is an unmounted disk or share, and
 * writing there would fill the computer's own disk while the practitioner believes the copy is
 * elsewhere. Only {@link LocalDestination.create} (`backup init`, or `--create`) makes it.
 */
import { lstatSync, readdirSync, type Dirent } from 'node:fs';
import { link, lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ScelleError } from '../../errors.js';
import { syncFolder } from '../../io/atomic-output.js';
import { checkKey, checkPrefix, destinationError, destinationOffline, errorText, isTempName, isValidKey, objectMissing, objectTooLarge, tempName } from './common.js';
import { DEFAULT_MAX_OBJECT, type Destination, type DestinationInfo, type GetOptions, type ObjectInfo, type ProbeResult } from './destination.js';
import type { DestinationKind } from './location.js';

/** System errors that mean the medium went away (a drive pulled out mid-write). */
const GONE = new Set(['EIO', 'ENODEV', 'ENXIO', 'ENOTCONN', 'ESTALE', 'ESHUTDOWN']);
/** System errors that mean hard links are not available (FAT/exFAT drives, some shares). */
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS', 'EMLINK']);

/** Settings of a file:// or usb:// destination. */
export interface LocalConfig {
  /** The folder (absolute). */
  path: string;
}

/** Parses the URL of a folder destination (`file:///path`, `usb:///path`). */
export function parseFolderUrl(scheme: 'file' | 'usb', url: URL, invalid: (why: string) => ScelleError): { url: string; path: string; config: LocalConfig } {
  if (url.host !== '') throw invalid(`${scheme}:// URLs name a local folder: ${scheme}:///path (three slashes)`);
  const path = decodeURIComponent(url.pathname).replace(/(.)\/+$/, '$1');
  if (path === '' || path === '/') throw invalid('the folder is missing (or is the root folder)');
  return { url: `${scheme}://${path}`, path, config: { path } };
}

/** `file:///path`: a folder on a disk. */
export const fileKind: DestinationKind<LocalConfig> = {
  scheme: 'file',
  media: 'disk',
  options: [],
  offsite: false,
  parse: (url, _options, invalid) => parseFolderUrl('file', url, invalid),
};

/** Options of {@link LocalDestination}. */
export interface LocalDestinationOptions {
  /** fsync files and folders (default true). Tests of throughput may turn it off; never in use. */
  sync?: boolean;
}

/**
 * A destination in a local folder. Also the base of the removable-drive destination, which adds a
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

  /** Online when the folder exists. A missing folder (an unmounted disk or share) is offline. */
  async probe(): Promise<ProbeResult> {
    try {
      const s = await stat(this.root);
      if (!s.isDirectory()) return { online: false, reason: `${this.root} is not a folder` };
      return { online: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { online: false, reason: `${this.root} does not exist (is the disk or the network share mounted?)` };
      return { online: false, reason: `${this.root} is not accessible (${errorText(e)})` };
    }
  }

  /** Creates the folder (and its parents): `backup init`, or a run with `--create`. */
  async create(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw this.fail('create the folder', e);
    }
  }

  /** Throws TARGET_OFFLINE when the destination cannot be used (the folder is gone). */
  protected async ensureOnline(): Promise<void> {
    const p = await this.probe();
    if (!p.online) throw destinationOffline(this.info, p.reason);
  }

  /** Keys that belong to the destination itself (the drive label) and are neither listed nor written. */
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

  /**
   * Makes the fan-out folders of `key` one level at a time below the root, never the root itself:
   * a root that vanished (an unmounted share) fails with TARGET_OFFLINE instead of being recreated.
   */
  private async makeParents(key: string): Promise<void> {
    const parts = key.split('/').slice(0, -1);
    let dir = this.root;
    for (const part of parts) {
      dir = join(dir, part);
      try {
        await mkdir(dir, { mode: 0o700 });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        if (code === 'ENOENT') throw destinationOffline(this.info, `${this.root} does not exist any more (is the disk or the network share mounted?)`, e);
        throw e;
      }
    }
  }

  /** Writes `data` to a fresh temp file next to the object and fsyncs it; returns the temp path. */
  private async writeTemp(key: string, path: string, data: Uint8Array): Promise<string> {
    const dir = dirname(path);
    const tmp = join(dir, tempName(path.slice(dir.length + 1)));
    let h;
    try {
      h = await open(tmp, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await this.makeParents(key);
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
      tmp = await this.writeTemp(key, path, data);
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
      tmp = await this.writeTemp(key, path, data);
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

  async get(key: string, options: GetOptions = {}): Promise<Uint8Array> {
    const path = this.pathOf(key);
    await this.ensureOnline();
    const max = options.maxBytes ?? DEFAULT_MAX_OBJECT;
    let h;
    try {
      h = await open(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw objectMissing(this.info, key, e);
      throw this.fail(`read ${key}`, e);
    }
    try {
      const s = await h.stat();
      if (!s.isFile()) throw objectMissing(this.info, key);
      if (s.size > max) throw objectTooLarge(this.info, key, s.size, max);
      // one buffer of the object's size (a read never returns more than asked: the bound holds
      // even if the file grows meanwhile)
      const buf = new Uint8Array(s.size);
      let o = 0;
      while (o < buf.length) {
        const { bytesRead } = await h.read(buf, o, buf.length - o, o);
        if (bytesRead === 0) break;
        o += bytesRead;
      }
      return o === buf.length ? buf : buf.subarray(0, o);
    } catch (e) {
      throw this.fail(`read ${key}`, e);
    } finally {
      await h.close();
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

  /**
   * The entries of the folder `rel` (`''` or `data/3f/`), or none when it does not exist. Listing
   * is synchronous (as lstat below): a repository has thousands of small folders and files, and a
   * call through the thread pool costs more than the call itself.
   */
  private async entries(rel: string, what: string): Promise<Dirent[]> {
    try {
      return readdirSync(rel === '' ? this.root : join(this.root, ...rel.slice(0, -1).split('/')), { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw this.fail(what, e);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    checkPrefix(this.info, prefix);
    await this.ensureOnline();
    // Start at the deepest folder the prefix names completely (`data/3f` starts at `data/`).
    const cut = prefix.lastIndexOf('/');
    const stack: string[] = [cut < 0 ? '' : prefix.slice(0, cut + 1)];
    while (stack.length > 0) {
      const rel = stack.pop() as string;
      for (const entry of await this.entries(rel, `list ${prefix || '/'}`)) {
        const key = rel + entry.name;
        // Temp files (`~tmp~`) and foreign files are not objects.
        if (!isValidKey(key)) continue;
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) stack.push(`${key}/`);
        } else if (entry.isFile() && key.startsWith(prefix) && !this.isReserved(key)) {
          let size: number;
          try {
            size = lstatSync(join(this.root, ...key.split('/'))).size;
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

  async removeTemp(olderThanMs: number, now: Date): Promise<number> {
    await this.ensureOnline();
    let removed = 0;
    const stack: string[] = [''];
    while (stack.length > 0) {
      const rel = stack.pop() as string;
      for (const entry of await this.entries(rel, 'clean temp files')) {
        const name = rel + entry.name;
        if (entry.isDirectory() && isValidKey(name)) stack.push(`${name}/`);
        else if (entry.isFile() && isTempName(entry.name)) {
          const path = join(this.root, ...name.split('/'));
          const s = await lstat(path).catch(() => undefined);
          if (s === undefined || now.getTime() - s.mtimeMs < olderThanMs) continue;
          await unlink(path).then(() => { removed++; }, () => undefined);
        }
      }
    }
    return removed;
  }

  async close(): Promise<void> {}
}
