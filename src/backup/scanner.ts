/**
 * The scanner of a backup run (restic's `scanner.go`/`archiver.go` walk): lists the source
 * trees, files sorted by path, folders and symbolic links as snapshot entries.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
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
 * Walks the sources. The walk is synchronous: on a tree of thousands of small files a system call
 * through the thread pool costs more than the call itself, and nothing else runs at this step.
 * @throws ScelleError FILE_NOT_FOUND (a source cannot be read), INTERRUPTED.
 */
export async function scanSources(sources: { path: string; label: string }[], signal?: AbortSignal): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const others: SnapshotEntry[] = [];
  const walk = (abs: string, rel: string): void => {
    if (signal?.aborted) throw interrupted();
    let st;
    try {
      st = lstatSync(abs);
    } catch (e) {
      throw new ScelleError('FILE_NOT_FOUND', `cannot read ${abs}: ${(e as Error).message}`, { cause: e, params: { file: abs } });
    }
    if (st.isDirectory()) {
      others.push({ path: rel, type: 'dir', mode: st.mode & 0o7777, mtime: st.mtimeMs });
      for (const n of readdirSync(abs).sort()) walk(join(abs, n), `${rel}/${n}`);
    } else if (st.isFile()) {
      files.push({ abs, rel, size: st.size, mtime: st.mtimeMs, ctime: st.ctimeMs, ino: st.ino, mode: st.mode & 0o7777 });
    } else if (st.isSymbolicLink()) {
      others.push({ path: rel, type: 'symlink', mode: st.mode & 0o7777, mtime: st.mtimeMs, link: readlinkSync(abs) });
    }
  };
  for (const s of sources) walk(s.path, s.label);
  files.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  return { files, others, totalBytes: files.reduce((a, f) => a + f.size, 0) };
}

export { interrupted };
