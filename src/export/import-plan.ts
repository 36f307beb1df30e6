/**
 * What an import checks before it writes anything: every name of the central directory (UNSAFE_PATH,
 * SYMLINK_REFUSED, DUPLICATE_ENTRY), what can be read (UNSUPPORTED_ALGORITHM), the declared total
 * (ARCHIVE_BOMB), the target folder (OUTPUT_EXISTS, a symbolic link on the way: UNSAFE_PATH) and
 * its free space (DISK_FULL) — then the folders, created private (0700).
 *
 * The target is inspected folder by folder (one listing each), not file by file: an archive of
 * 200 000 letters in 200 folders costs 200 listings, not 200 000 lstat calls. Names are compared as
 * a case-insensitive, Unicode-normalising file system would (NTFS, APFS, exFAT), so an existing
 * `Lettre.txt` stops `lettre.txt` from being written over it there.
 */
import { constants } from 'node:fs';
import { access, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { ScelleError } from '../errors.js';
import { assertFreeSpace, fsError } from '../io/fs-errors.js';
import { sweepStaleTemps } from '../io/temp-files.js';
import { assertReadable, type ZipEntry } from '../crypto/zip/reader.js';
import { assertNoDuplicates, collisionKey, printable, safeSegments } from '../crypto/zip/names.js';
import { MANIFEST_NAME, MANIFEST_SIGNATURE_NAME } from './manifest.js';

/** What the central directory holds, once vetted. */
export interface ImportPlan {
  /** Total of the declared sizes. */
  declared: number;
  files: number;
  /** Entries stored without encryption. */
  plainEntries: string[];
  manifest?: ZipEntry;
  signature?: ZipEntry;
  /** The first AES file entry (its keys check the password). */
  firstEncrypted?: ZipEntry;
}

/**
 * Vets the central directory before anything is read or written.
 * @throws ScelleError `UNSAFE_PATH`, `SYMLINK_REFUSED`, `UNSUPPORTED_ALGORITHM`, `UNSUPPORTED_FORMAT`
 *   (a plain entry with `requireEncryption`), `DUPLICATE_ENTRY`, `ARCHIVE_BOMB` (declared total over `maxTotal`).
 */
export function vetEntries(entries: readonly ZipEntry[], options: { requireEncryption?: boolean; maxTotal: number }): ImportPlan {
  const plan: ImportPlan = { declared: 0, files: 0, plainEntries: [] };
  const names: { name: string; segments: string[]; directory: boolean }[] = [];
  for (const entry of entries) {
    const segments = safeSegments(entry.name);
    if (entry.symlink) throw new ScelleError('SYMLINK_REFUSED', `refusing the symbolic link "${printable(entry.name)}" in the archive: a link could point outside the target folder`, { params: { entry: printable(entry.name) } });
    assertReadable(entry);
    if (!entry.directory) {
      plan.files++;
      if (!entry.encrypted) {
        if (options.requireEncryption === true) throw new ScelleError('UNSUPPORTED_FORMAT', `"${printable(entry.name)}" is not encrypted`, { params: { entry: printable(entry.name) } });
        plan.plainEntries.push(entry.name);
      }
      if (entry.aes !== undefined) plan.firstEncrypted ??= entry;
      if (segments.length === 1 && segments[0] === MANIFEST_NAME) plan.manifest = entry;
      if (segments.length === 1 && segments[0] === MANIFEST_SIGNATURE_NAME) plan.signature = entry;
    }
    plan.declared += entry.size;
    names.push({ name: entry.name, segments, directory: entry.directory });
  }
  assertNoDuplicates(names);
  if (plan.declared > options.maxTotal) {
    throw new ScelleError('ARCHIVE_BOMB', `the archive declares ${plan.declared} bytes once extracted, more than the cap of ${options.maxTotal}: refused as a possible zip bomb (raise the cap if it is expected)`, { params: { bytes: plan.declared, max: options.maxTotal } });
  }
  return plan;
}

/** Where an entry goes under `outDir` (its name was vetted by {@link vetEntries}: not again here). */
export function targetOf(outDir: string, entry: ZipEntry): string {
  const t = join(outDir, entry.name);
  return t.length > 1 && t.endsWith(sep) ? t.slice(0, -1) : t;
}

type Kind = 'dir' | 'file' | 'link';

/** The entries of existing folders, keyed as a case-insensitive file system would see them. */
class TargetListing {
  private readonly folders = new Map<string, Map<string, Kind> | null>();

  /** What `name` is in `dir` (undefined: absent; `dir` missing: absent). */
  async kind(dir: string, name: string): Promise<Kind | undefined> {
    let listing = this.folders.get(dir);
    if (listing === undefined) {
      listing = await list(dir);
      this.folders.set(dir, listing);
    }
    return listing?.get(collisionKey([name]));
  }

  /** The folders that exist (to sweep leftovers from). */
  existing(): string[] {
    return [...this.folders].filter(([, l]) => l !== null).map(([d]) => d);
  }
}

async function list(dir: string): Promise<Map<string, Kind> | null> {
  try {
    const out = new Map<string, Kind>();
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const k = collisionKey([d.name]);
      const kind: Kind = d.isSymbolicLink() ? 'link' : d.isDirectory() ? 'dir' : 'file';
      // Two names that fold together (a case-sensitive disk): the stricter kind wins.
      const seen = out.get(k);
      if (seen === undefined || kind === 'link' || (kind === 'file' && seen === 'dir')) out.set(k, kind);
    }
    return out;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw fsError(e, dir, 'list');
  }
}

/**
 * Before anything is written: no target may exist (unless `force`; a folder may), no existing
 * component under `outDir` may be a symbolic link (it could lead outside), and the target's file
 * system must have room for the declared total. Leftover temp files of killed runs are removed
 * from the folders that exist.
 * @throws ScelleError `OUTPUT_EXISTS`, `UNSAFE_PATH`, `READ_ONLY_MEDIUM`, `PERMISSION_DENIED`,
 *   `DISK_FULL`, `IO_ERROR`.
 */
export async function checkTargets(outDir: string, entries: readonly ZipEntry[], options: { force: boolean; declared: number }): Promise<void> {
  const listing = new TargetListing();
  for (const entry of entries) {
    const segments = safeSegments(entry.name);
    let dir = outDir;
    for (const [i, s] of segments.entries()) {
      const path = join(dir, s);
      const last = i === segments.length - 1;
      const k = await listing.kind(dir, s);
      if (k === undefined) break;
      if (k === 'link') {
        throw new ScelleError('UNSAFE_PATH', `refusing to extract "${printable(entry.name)}": ${path} is a symbolic link in the target folder`, { params: { entry: printable(entry.name) } });
      }
      if (!last || entry.directory) {
        if (k !== 'dir') throw new ScelleError('OUTPUT_EXISTS', `${path} exists and is not a folder`, { params: { file: path, entry: printable(entry.name) } });
      } else if (!options.force) {
        throw new ScelleError('OUTPUT_EXISTS', `${path} already exists (nothing was extracted)`, { params: { file: path, entry: printable(entry.name) }, hint: 'extract into an empty folder, or overwrite with --force' });
      } else if (k === 'dir') {
        throw new ScelleError('OUTPUT_EXISTS', `${path} is a folder, the archive has a file there`, { params: { file: path, entry: printable(entry.name) } });
      }
      dir = path;
    }
  }
  let room = outDir;
  while ((await list(room)) === null && dirname(room) !== room) room = dirname(room);
  // A read-only medium or a folder of someone else's says so, before a free-space count would.
  await access(room, constants.W_OK).catch((e: unknown) => {
    throw fsError(e, outDir, 'create');
  });
  await assertFreeSpace(room, options.declared, outDir);
  for (const d of listing.existing()) await sweepStaleTemps(d);
  await sweepStaleTemps(outDir);
}

/**
 * Creates `outDir` and every folder the entries need, private (0700: folder names can name
 * patients); returns the folder entries with their times, to set once the files are in.
 * @throws ScelleError `PERMISSION_DENIED`, `READ_ONLY_MEDIUM`, `NOT_A_FOLDER`, `IO_ERROR`.
 */
export async function makeFolders(outDir: string, entries: readonly ZipEntry[]): Promise<{ path: string; mtime: Date }[]> {
  const folders = new Set<string>([outDir]);
  const times: { path: string; mtime: Date }[] = [];
  for (const e of entries) {
    const target = targetOf(outDir, e);
    if (e.directory) {
      folders.add(target);
      times.push({ path: target, mtime: e.mtime });
    } else {
      folders.add(dirname(target));
    }
  }
  // Parents before children: the target first, then each depth's folders a few at once (one
  // mkdir after another cost ~1 ms each on a folder of patient folders: a round trip through the
  // thread pool and, on ext4, an inode allocation).
  const make = (f: string): Promise<void> => mkdir(f, { recursive: true, mode: 0o700 }).then(() => undefined, (err: unknown) => {
    throw fsError(err, f, 'create');
  });
  await make(outDir);
  folders.delete(outDir);
  const byDepth = new Map<number, string[]>();
  for (const f of folders) {
    const depth = f.split(sep).length;
    const level = byDepth.get(depth);
    if (level === undefined) byDepth.set(depth, [f]);
    else level.push(f);
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
    const level = byDepth.get(depth)!.sort();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < level.length) await make(level[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(8, level.length) }, lane));
  }
  return times;
}
