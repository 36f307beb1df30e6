/**
 * Snapshots: the file tree of one run, with where every chunk is. A snapshot is self-contained
 * (with the packs it names, it restores without the index) and sealed to the repository's public
 * key like the packs, so the machine that writes backups cannot read old ones. A destination's
 * snapshots are the ones its live seals list (chain.ts): listing them needs no key.
 */
import { isAbsolute } from 'node:path';
import { ScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import { readChain, type Chain } from './chain.js';
import type { MasterSecret } from './keys.js';
import { decodeSealed, LIMITS, readVerified } from './objects.js';
import { expectRepository, type RepoConfig } from './repository.js';

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

/** A snapshot as listed (from its seal: no key needed). */
export interface SnapshotListing {
  snapshot: string;
  time: string;
  host: string;
  files: number;
  bytes: number;
  sources: string[];
  objects: number;
  /** The seal that lists it (its sequence on this destination). */
  sequence: number;
}

/** The snapshots a chain holds (its live snapshot seals), oldest first. */
export function listingsOf(chain: Chain): SnapshotListing[] {
  return chain.live.map((c) => ({
    snapshot: c.seal.snapshot!, time: c.seal.time, host: c.seal.host, files: c.seal.files ?? 0, bytes: c.seal.bytes ?? 0,
    sources: c.seal.sources, objects: c.seal.objects.length, sequence: c.seal.sequence,
  })).sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.sequence - b.sequence));
}

/** Options of {@link listSnapshots}: which repository and destination the copy must be. */
export interface ListSnapshotsOptions {
  /** The repository the copy must hold (REPO_MISMATCH otherwise); absent: the copy's own. */
  repository?: string;
  /** The destination its seals must name (DESTINATION_MISMATCH otherwise). */
  destination?: string;
}

/**
 * Lists the sealed snapshots of a destination, oldest first (no key needed). Seals of another
 * repository or destination are refused.
 * @throws ScelleError REPO_NOT_FOUND, REPO_MISMATCH, DESTINATION_MISMATCH (every seal names another
 *   destination), TARGET_*.
 */
export async function listSnapshots(d: Destination, options: ListSnapshotsOptions = {}): Promise<{ snapshots: SnapshotListing[]; chain: Chain; repository: string }> {
  const config = await expectRepository(d, options.repository);
  const chain = await readChain(d, { repository: config.id, ...(options.destination !== undefined ? { destination: options.destination } : {}) });
  const foreign = chain.problems.find((p) => p.code === 'DESTINATION_MISMATCH');
  if (foreign !== undefined && chain.seals.length === 0) {
    throw new ScelleError('DESTINATION_MISMATCH', `destination "${d.info.name}": ${foreign.message}`, { params: { target: d.info.name, ...(foreign.object ? { object: foreign.object } : {}) } });
  }
  return { snapshots: listingsOf(chain), chain, repository: config.id };
}

/**
 * Finds a snapshot: the latest sealed one, or the one whose name starts with `prefix`.
 * @throws ScelleError SNAPSHOT_NOT_FOUND.
 */
export function findSnapshot(all: SnapshotListing[], destination: string, prefix?: string): SnapshotListing {
  if (prefix === undefined || prefix === 'latest') {
    const last = all[all.length - 1];
    if (last === undefined) throw new ScelleError('SNAPSHOT_NOT_FOUND', `destination "${destination}" holds no sealed snapshot`, { params: { target: destination, snapshot: 'latest' } });
    return last;
  }
  const m = all.filter((s) => s.snapshot.startsWith(prefix.toLowerCase()));
  if (m.length !== 1) throw new ScelleError('SNAPSHOT_NOT_FOUND', m.length === 0 ? `no snapshot ${prefix} on "${destination}"` : `${prefix} names several snapshots: give more characters`, { params: { snapshot: prefix, target: destination } });
  return m[0]!;
}

/**
 * Reads and decrypts a snapshot, checking its name and its repository.
 * @throws ScelleError OBJECT_MISSING, OBJECT_CORRUPT, REPO_MISMATCH.
 */
export async function readSnapshot(d: Destination, master: MasterSecret, snapshot: string, config: RepoConfig): Promise<SnapshotDoc> {
  const key = `snapshots/${snapshot}`;
  const { data } = await readVerified(d, key, { maxBytes: LIMITS.snapshot });
  const doc = decodeSealed<SnapshotDoc>('snapshot', master, Buffer.from(config.recipient, 'hex'), data, key);
  if (doc.scelle !== 'backup-snapshot' || !Array.isArray(doc.entries) || !Array.isArray(doc.packs)) throw new ScelleError('OBJECT_CORRUPT', `${key} is not a snapshot`, { params: { object: key } });
  if (doc.repository !== config.id) throw new ScelleError('REPO_MISMATCH', `${key} is a snapshot of another repository (${doc.repository}): refused`, { params: { object: key, target: d.info.name } });
  return doc;
}
