/**
 * What an export takes: the files and folders named, and everything below the folders, in name
 * order. Links found inside folders are followed only to files (no cycles, nothing outside what
 * was chosen); sockets, FIFOs and devices are left out and reported. The listing stops as soon as
 * it passes the entry cap, so memory stays bounded whatever the tree.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ScelleError } from '../errors.js';
import { fsError } from '../io/fs-errors.js';

/** One file or folder to export. */
export interface ExportItem {
  path: string;
  /** The name in the zip (`/`-separated; folders end with `/`). */
  name: string;
  directory: boolean;
  size: number;
  mtime: Date;
  mode: number;
}

/** Inputs left out of an export. */
export interface SkippedInput {
  path: string;
  reason: string;
}

/**
 * Lists `paths` (files, or folders and everything below them) for an export into `outPath`.
 * @throws ScelleError `FILE_NOT_FOUND`, `PERMISSION_DENIED`, `IO_ERROR`, `USAGE` (the root folder),
 *   `TOO_MANY_ENTRIES` (more than `maxEntries` files and folders; params `file`, `count`, `max`).
 */
export async function listInputs(paths: readonly string[], outPath: string, maxEntries: number): Promise<{ items: ExportItem[]; skipped: SkippedInput[] }> {
  const items: ExportItem[] = [];
  const skipped: SkippedInput[] = [];
  const add = (item: ExportItem): void => {
    items.push(item);
    if (items.length > maxEntries) {
      throw new ScelleError('TOO_MANY_ENTRIES', `the export would hold more than ${maxEntries} files and folders: refused before anything was written (memory stays bounded); raise the limit, or export in several archives`, { params: { file: outPath, count: `> ${maxEntries}`, max: maxEntries } });
    }
  };
  for (const p of paths) await collect(resolve(p), undefined, { add, skipped, outPath });
  return { items, skipped };
}

interface Walk {
  add: (item: ExportItem) => void;
  skipped: SkippedInput[];
  outPath: string;
}

/** Lists a path (a file, or a folder and everything below it), sorted by name. */
async function collect(path: string, parentName: string | undefined, walk: Walk): Promise<void> {
  const { outPath } = walk;
  // The archive being written, and its temp files, are never part of it.
  if (path === outPath || (dirname(path) === dirname(outPath) && basename(path).startsWith(`.${basename(outPath)}.`) && path.endsWith('.tmp'))) return;
  let st;
  try {
    // A path the caller named is followed when it is a link; links found inside folders are not
    // followed into folders (no cycles, nothing outside what was chosen).
    st = parentName === undefined ? await stat(path) : await lstat(path);
    if (st.isSymbolicLink()) {
      const target = await stat(path);
      if (!target.isFile()) {
        walk.skipped.push({ path, reason: 'a symbolic link to something other than a file' });
        return;
      }
      st = target;
    }
  } catch (e) {
    throw fsError(e, path, 'read');
  }
  const base = basename(path).normalize('NFC');
  if (parentName === undefined && (base === '' || path === resolve('/'))) throw new ScelleError('USAGE', `cannot export the root folder ${path} as a whole: name a folder inside it`);
  const name = parentName === undefined ? base : `${parentName}/${base}`;
  const mode = st.mode & 0o7777;
  if (st.isDirectory()) {
    walk.add({ path, name: `${name}/`, directory: true, size: 0, mtime: st.mtime, mode: 0o40000 | mode });
    let children: string[];
    try {
      children = (await readdir(path)).sort();
    } catch (e) {
      throw fsError(e, path, 'list');
    }
    for (const c of children) await collect(join(path, c), name, walk);
  } else if (st.isFile()) {
    walk.add({ path, name, directory: false, size: st.size, mtime: st.mtime, mode: 0o100000 | mode });
  } else {
    walk.skipped.push({ path, reason: 'not a regular file or folder' });
  }
}
