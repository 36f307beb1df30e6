/**
 * The scanner of a backup run (restic's `scanner.go`/`archiver.go` walk): lists the source
 * trees, files sorted by path, folders and symbolic links as snapshot entries. Folders are read
 * in batches (their entries' lstat run concurrently), so a tree of thousands of small files is
 * not walked one system call at a time.
 */
import { lstat, readdir, readlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ScelleError } from '../errors.js';
import type { SnapshotEntry } from './snapshot.js';

/** A regular file to back up. */
export interface ScannedFile {
  abs: string;
  /** Path in the snapshot: the source's label, then the relative path. */
  rel: string;
  size: number;
  mtime: number;
  ctime: number;
  ino: number;
  mode: number;
}

/** What the scan found. */
export interface ScanResult {
  files: ScannedFile[];
  /** Folders and symbolic links. */
  others: SnapshotEntry[];
  totalBytes: number;
}

/** Labels of the sources: their base names, made unique. */
export function sourceLabels(sources: string[]): { path: string; label: string }[] {
  const seen = new Map<string, number>();
  return sources.map((s) => {
    const abs = resolve(s);
    let label = basename(abs) || 'racine';
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    if (n > 1) label = `${label}-${n}`;
    return { path: abs, label };
  });
}

function interrupted(): ScelleError {
  return new ScelleError('INTERRUPTED', 'the backup run was interrupted: run it again to resume (stored data is kept)');
}

/**
 * Walks the sources.
 * @throws ScelleError FILE_NOT_FOUND (a source cannot be read), INTERRUPTED.
 */
export async function scanSources(sources: { path: string; label: string }[], signal?: AbortSignal): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const others: SnapshotEntry[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    if (signal?.aborted) throw interrupted();
    let st;
    try {
      st = await lstat(abs);
    } catch (e) {
      throw new ScelleError('FILE_NOT_FOUND', `cannot read ${abs}: ${(e as Error).message}`, { cause: e, params: { file: abs } });
    }
    if (st.isDirectory()) {
      others.push({ path: rel, type: 'dir', mode: st.mode & 0o7777, mtime: st.mtimeMs });
      const names = (await readdir(abs)).sort();
      const BATCH = 64;
      for (let i = 0; i < names.length; i += BATCH) {
        await Promise.all(names.slice(i, i + BATCH).map((n) => walk(join(abs, n), `${rel}/${n}`)));
      }
    } else if (st.isFile()) {
      files.push({ abs, rel, size: st.size, mtime: st.mtimeMs, ctime: st.ctimeMs, ino: st.ino, mode: st.mode & 0o7777 });
    } else if (st.isSymbolicLink()) {
      others.push({ path: rel, type: 'symlink', mode: st.mode & 0o7777, mtime: st.mtimeMs, link: await readlink(abs) });
    }
  };
  for (const s of sources) await walk(s.path, s.label);
  files.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  return { files, others, totalBytes: files.reduce((a, f) => a + f.size, 0) };
}

export { interrupted };
