/**
 * Snapshots: the file tree of one run, with where every chunk is. A snapshot is self-contained
 * (with the packs it names, it restores without the index) and sealed to the repository's public
 * key like the packs, so the machine that writes backups cannot read old ones.
 */
import { isAbsolute } from 'node:path';
import { ScelleError } from '../errors.js';

/** A chunk reference: id (hex), pack index in `packs`, offset, stored length, plaintext length, compression. */
export type ChunkRef = [id: string, pack: number, offset: number, length: number, rawLength: number, z: number];

/** One entry of the tree. Paths are relative, `/`-separated, starting with the source's label. */
export interface SnapshotEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** File mode bits (permissions). */
  mode: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
  size?: number;
  /** SHA-256 of the file's bytes (files). */
  sha256?: string;
  chunks?: ChunkRef[];
  /** Link target (symlinks). */
  link?: string;
}

/** The decrypted snapshot document. */
export interface SnapshotDoc {
  scelle: 'backup-snapshot';
  version: 1;
  repository: string;
  time: string;
  host: string;
  /** Source folders, with the label their entries start with. */
  sources: { path: string; label: string }[];
  /** Pack names, referenced by index from chunk refs. */
  packs: string[];
  /** Index objects the run wrote. */
  indexes: string[];
  entries: SnapshotEntry[];
  totals: { files: number; bytes: number };
}

/**
 * Checks that a stored path is a safe relative path: no absolute path, no `..` or `.` segment,
 * no empty segment, no backslash or NUL (a tampered snapshot must not write outside the folder).
 * @throws ScelleError UNSAFE_PATH.
 */
export function assertSafePath(p: string): void {
  const bad = p.length === 0 || isAbsolute(p) || p.includes('\\') || p.includes('\0') || /^[a-zA-Z]:/.test(p)
    || p.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new ScelleError('UNSAFE_PATH', `the snapshot holds an unsafe path ${JSON.stringify(p)}: refused (it would write outside the restore folder)`, { params: { file: p } });
}

/** Entries selected by `--path P`: P itself and everything under it. */
export function selectEntries(entries: SnapshotEntry[], path: string | undefined): SnapshotEntry[] {
  if (path === undefined || path === '' || path === '/') return entries;
  const p = path.replace(/^\/+|\/+$/g, '');
  return entries.filter((e) => e.path === p || e.path.startsWith(`${p}/`));
}
