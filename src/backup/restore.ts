/**
 * Restoring a snapshot (all of it or one path) into a new folder, and the restore drill.
 * The copy must hold the expected repository (and, when known, be the expected destination); the
 * snapshot's seal is checked before anything is written when trust anchors are given. Every chunk
 * is authenticated (AES-GCM) and every file checked against the SHA-256 the snapshot recorded;
 * paths from the snapshot are checked before anything is written (UNSAFE_PATH), a file is written
 * to a temp name then renamed, and nothing is overwritten without `force`.
 */
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, open, readdir, rm, symlink, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { ScelleError, isScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import type { Chain } from './chain.js';
import type { MasterSecret } from './keys.js';
import { LIMITS, packKey, readVerified } from './objects.js';
import type { JobResult, RestoreChunk } from './pack-reader.js';
import { readerSource, startReadPool, type ReadPool } from './read-pool.js';
import { planRestore } from './restore-plan.js';
import { expectRepository, type RepoConfig } from './repository.js';
import { withLock, type LockOwner } from './lock.js';
import { MAX_SEAL_SIGNATURE_BYTES, sealSignatureKey, verifySealSignature, type VerifySealOptions } from './seal.js';
import { assertSafePath, findSnapshot, listSnapshots, readSnapshot, selectEntries, type SnapshotDoc, type SnapshotEntry, type SnapshotListing } from './snapshot.js';
import { updateState } from './state.js';

/** How the restored snapshot's seal stands. */
export interface SealCheck {
  /**
   * `valid`: signature, signer and time-stamp checked; `unsigned`; `not-checked`: no trust anchors
   * given, or the check could not be completed (`reason`, e.g. REVOCATION_UNAVAILABLE).
   */
  status: 'valid' | 'unsigned' | 'not-checked';
  /** Why a signature with trust anchors was still not checked (the engine's code). */
  reason?: string;
  signer?: string;
  timestamp?: string;
}

/** Which copy, and how to check its seal. */
export interface CopySelection {
  /** The repository the copy must hold (from the config or the kit). */
  repository?: string;
  /** The destination its seals must name. */
  destination?: string;
  /** Check the snapshot's seal signature (trust anchors, CRLs, expected signers) before restoring. */
  seal?: VerifySealOptions;
  /** Who takes the shared lock. */
  owner?: LockOwner;
}

/** Options of {@link restoreSnapshot}. */
export interface RestoreOptions extends CopySelection {
  /**
   * The repository's key, or its derivation under way: the keyless checks (lock, repository,
   * chain, seal) run meanwhile, and its error (WRONG_PASSWORD…) is thrown when it is needed.
   */
  master: MasterSecret | Promise<MasterSecret>;
  /** Snapshot name or prefix; default the latest sealed one. */
  snapshot?: string;
  /** Folder to restore into (created). */
  to: string;
  /** Only this path of the snapshot (a file or folder, e.g. `dossiers/patients/042`). */
  path?: string;
  /** Allow writing into a non-empty folder and replacing files. */
  force?: boolean;
  onProgress?: (files: number, totalFiles: number, bytes: number, totalBytes: number) => void;
}

/** What a restore did. */
export interface RestoreResult {
  snapshot: string;
  time: string;
  to: string;
  files: number;
  bytes: number;
  repository: string;
  /** The destination name the seals give. */
  destination: string;
  seal: SealCheck;
  /** Files that could not be restored, with why. */
  problems: { path: string; code: string; message: string }[];
}

async function isEmptyOrAbsent(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

/**
 * Checks the seal of a snapshot. A signature that does not hold refuses the restore.
 * @throws ScelleError SEAL_INVALID, SIGNER_MISMATCH.
 */
export async function checkSnapshotSeal(d: Destination, chain: Chain, listing: SnapshotListing, options: VerifySealOptions | undefined): Promise<SealCheck> {
  const c = chain.seals.find((x) => x.seal.sequence === listing.sequence)!;
  let sig: Uint8Array;
  try {
    sig = await d.get(sealSignatureKey(listing.sequence), { maxBytes: MAX_SEAL_SIGNATURE_BYTES });
  } catch (e) {
    if (isScelleError(e, 'OBJECT_MISSING')) return { status: 'unsigned' };
    throw e;
  }
  if (options === undefined || options.trustAnchors.length === 0) return { status: 'not-checked' };
  const v = await verifySealSignature(c.bytes, sig, options);
  if (v.indeterminate) return { status: 'not-checked', ...(v.code !== undefined ? { reason: v.code } : {}), ...(v.signer ? { signer: v.signer } : {}) };
  if (!v.ok) {
    throw new ScelleError(v.code === 'SIGNER_MISMATCH' ? 'SIGNER_MISMATCH' : 'SEAL_INVALID', `the seal of snapshot ${listing.snapshot.slice(0, 12)} on "${d.info.name}" does not hold: [${v.code}] ${v.message ?? ''}; nothing was restored`, {
      params: { snapshot: listing.snapshot, target: d.info.name, detail: v.message ?? String(v.code) },
    });
  }
  return { status: 'valid', ...(v.signer ? { signer: v.signer } : {}), ...(v.timestamp?.genTime ? { timestamp: v.timestamp.genTime } : {}) };
}

/** The copy, its repository, the chosen snapshot and its decrypted document, seal checked. */
async function openSnapshot(d: Destination, options: RestoreOptions): Promise<{ config: RepoConfig; listing: SnapshotListing; doc: SnapshotDoc; destination: string; seal: SealCheck; master: MasterSecret }> {
  const config = await expectRepository(d, options.repository);
  const { snapshots, chain } = await listSnapshots(d, { repository: config.id, ...(options.destination !== undefined ? { destination: options.destination } : {}) });
  const listing = findSnapshot(snapshots, d.info.name, options.snapshot);
  const seal = await checkSnapshotSeal(d, chain, listing, options.seal);
  // the key is awaited only now: the lock, the repository, the chain and the seal were checked
  // while it was being derived (scrypt, ~0.6 s)
  const master = await options.master;
  const doc = await readSnapshot(d, master, listing.snapshot, config);
  return { config, listing, doc, destination: chain.destination ?? d.info.name, seal, master };
}

/** Fetches a pack: a bounded read; on an immutable copy, an older sound version when needed. */
function packFetcher(d: Destination): (name: string) => Promise<Uint8Array> {
  if (d.retention !== undefined) return async (name) => (await readVerified(d, packKey(name), { maxBytes: LIMITS.pack })).data;
  return (name) => d.get(packKey(name), { maxBytes: LIMITS.pack });
}

/**
 * Restores a snapshot.
 * @throws ScelleError OUTPUT_EXISTS (non-empty folder without `force`), UNSAFE_PATH, REPO_MISMATCH,
 *   DESTINATION_MISMATCH, SEAL_INVALID / SIGNER_MISMATCH (the seal does not hold), SNAPSHOT_NOT_FOUND
 *   (also when `path` matches nothing); OBJECT_MISSING / OBJECT_CORRUPT are reported per file.
 */
export async function restoreSnapshot(d: Destination, options: RestoreOptions): Promise<RestoreResult> {
  return withLock(d, 'backup restore', 'shared', { readOnlyOk: true, ...(options.owner ? { owner: options.owner } : {}) }, () => restoreLocked(d, options));
}

async function restoreLocked(d: Destination, options: RestoreOptions): Promise<RestoreResult> {
  // a derivation that fails while a keyless check fails first is not left unhandled
  Promise.resolve(options.master).catch(() => undefined);
  const { config, listing, doc, destination, seal, master } = await openSnapshot(d, options);
  const entries = selectEntries(doc.entries, options.path);
  if (entries.length === 0) throw new ScelleError('SNAPSHOT_NOT_FOUND', `nothing in snapshot ${listing.snapshot.slice(0, 12)} matches ${options.path}`, { params: { snapshot: listing.snapshot, file: options.path ?? '' } });
  for (const e of entries) assertSafePath(e.path);
  const to = resolve(options.to);
  if (!options.force && !(await isEmptyOrAbsent(to))) {
    throw new ScelleError('OUTPUT_EXISTS', `${to} exists and is not empty: restore into a new folder, or use --force to write into it`, { params: { file: to } });
  }
  await mkdir(to, { recursive: true });
  const result: RestoreResult = { snapshot: listing.snapshot, time: listing.time, to, files: 0, bytes: 0, repository: config.id, destination, seal, problems: [] };
  const dirs = entries.filter((e) => e.type === 'dir');
  // the folder of a file is made when its first file comes (restoreFiles); all of them, empty ones
  // included, one after another while the files are restored: hundreds of mkdir before the first
  // file held the start back (one at a time: the pack reads share the same I/O threads)
  const made = dirs.reduce<Promise<unknown>>((p, dir) => p.then(() => mkdir(join(to, dir.path), { recursive: true })), Promise.resolve());
  made.catch(() => undefined);
  const files = entries.filter((e) => e.type === 'file');
  const pool = startReadPool({ readKey: master.readKey, recipient: Buffer.from(config.recipient, 'hex'), ...readerSource(d) }, packFetcher(d));
  try {
    await restoreFiles(pool, doc, files, to, result, options);
  } finally {
    await pool.close();
  }
  const rankOf = new Map(files.map((f, i) => [f.path, i]));
  result.problems.sort((a, b) => (rankOf.get(a.path) ?? 0) - (rankOf.get(b.path) ?? 0));
  await made;
  await finishTree(entries, dirs, to, result);
  return result;
}

/**
 * Files queued per reader, and their bytes. A worker restores a letter in about a millisecond
 * (creating the file is most of it) and this thread hands out the next files only between its own
 * chunks: a longer queue keeps the worker from waiting for it (queued jobs hold no data). The bytes
 * bound keeps a reader from queueing several large files the other reader would be free to take.
 */
const QUEUED = 32;
const QUEUED_BYTES = 8 * 1024 * 1024;

/** The absolute path of a snapshot path inside `to` (UNSAFE_PATH if it would leave it). */
function inside(to: string, p: string): string {
  const full = resolve(to, p);
  if (!full.startsWith(to + sep)) throw new ScelleError('UNSAFE_PATH', `the snapshot path ${p} leaves the restore folder`, { params: { file: p } });
  return full;
}

/**
 * Decrypting, decompressing, hashing and writing run on worker threads (read-pool.ts); this thread
 * reads the packs they ask for (or the readers read a local folder themselves).
 */
async function restoreFiles(pool: ReadPool, doc: SnapshotDoc, files: SnapshotEntry[], to: string, result: RestoreResult, options: RestoreOptions): Promise<void> {
  const totalBytes = files.reduce((a, f) => a + (f.size ?? 0), 0);
  const made = new Map<string, Promise<void>>();
  const ensureDir = (dir: string, file: string): Promise<void> => {
    let p = made.get(dir);
    if (p === undefined) {
      p = (async () => {
        await mkdir(dir, { recursive: true });
        if (!(await lstat(dir)).isDirectory()) throw new ScelleError('UNSAFE_PATH', `${dir} is not a folder`, { params: { file } });
      })();
      made.set(dir, p);
    }
    return p;
  };
  const restoreOne = async (f: SnapshotEntry, n: number): Promise<void> => {
    let r: JobResult;
    try {
      const dest = inside(to, f.path);
      await ensureDir(dirname(dest), f.path);
      const chunks: RestoreChunk[] = (f.chunks ?? []).map(([id, pi, offset, length, rawLength, z]) => {
        const pack = doc.packs[pi];
        if (pack === undefined) throw new ScelleError('REPO_CORRUPT', `${f.path} names a pack that is not in the snapshot's list`, { params: { file: f.path } });
        return [id, pack, offset, length, rawLength, z];
      });
      r = await pool.restore(n, { path: f.path, dest, tmp: join(dirname(dest), `.${f.path.split('/').pop()}.scelle-restore`), mode: f.mode, mtime: f.mtime, sha256: f.sha256, chunks });
    } catch (e) {
      if (e instanceof ScelleError) r = { ok: false, code: e.code, message: e.message };
      else if ((e as NodeJS.ErrnoException).code !== undefined) r = { ok: false, code: 'IO_ERROR', message: `${f.path}: ${(e as Error).message}` };
      else throw e;
    }
    if (r.ok) {
      result.files++;
      result.bytes += f.size ?? 0;
      options.onProgress?.(result.files, files.length, result.bytes, totalBytes);
    } else {
      if (r.bug === true) throw new Error(r.message);
      result.problems.push({ path: f.path, code: r.code, message: r.message });
    }
  };
  // each reader takes the next group while it has fewer than a few files queued (so that it reads
  // the next pack ahead): the work spreads by how fast each reader goes (restore-plan.ts)
  const groups = planRestore(files, doc.packs);
  let next = 0;
  await Promise.all(Array.from({ length: pool.size }, async (_, n) => {
    const inFlight = new Set<Promise<void>>();
    let bytes = 0;
    while (next < groups.length) {
      for (const f of groups[next++]!) {
        const size = f.size ?? 0;
        bytes += size;
        const p: Promise<void> = restoreOne(f, n).finally(() => {
          inFlight.delete(p);
          bytes -= size;
        });
        inFlight.add(p);
        // one settled job (often a letter) does not make room for another large file: wait until under both bounds
        while (inFlight.size >= QUEUED || bytes >= QUEUED_BYTES) await Promise.race(inFlight);
      }
    }
    await Promise.all(inFlight);
  }));
}

/** Links last (a link never redirects a later write), then folder modes and times, deepest first. */
async function finishTree(entries: SnapshotEntry[], dirs: SnapshotEntry[], to: string, result: RestoreResult): Promise<void> {
  for (const l of entries.filter((e) => e.type === 'symlink')) {
    const dest = inside(to, l.path);
    await rm(dest, { force: true }).catch(() => undefined);
    await symlink(l.link ?? '', dest).catch((e: Error) => result.problems.push({ path: l.path, code: 'IO_ERROR', message: e.message }));
  }
  for (const dir of [...dirs].sort((a, b) => b.path.length - a.path.length)) {
    await chmod(join(to, dir.path), (dir.mode & 0o777) | 0o700).catch(() => undefined);
    await utimes(join(to, dir.path), dir.mtime / 1000, dir.mtime / 1000).catch(() => undefined);
  }
}

/** What a drill found. */
export interface DrillResult {
  ok: boolean;
  snapshot: string;
  time: string;
  files: number;
  bytes: number;
  destination: string;
  seal: SealCheck;
  /** Files whose restored bytes differ from the snapshot's SHA-256, or could not be restored. */
  problems: { path: string; code: string; message: string }[];
  durationMs: number;
}

/** Options of {@link drillRestore}. */
export interface DrillOptions extends CopySelection {
  /** The repository's key, or its derivation under way (see {@link RestoreOptions.master}). */
  master: MasterSecret | Promise<MasterSecret>;
  stateDir?: string;
  tempDir?: string;
  clock?: () => Date;
  snapshot?: string;
  /** Record the drill as one made from the recovery kit alone. */
  fromKit?: boolean;
}

/**
 * The quarterly restore test: restores the latest snapshot to a temp folder, reads every restored
 * file again and compares it with the snapshot's SHA-256, records the date in the state, and
 * removes the folder.
 */
export async function drillRestore(d: Destination, options: DrillOptions): Promise<DrillResult> {
  const started = Date.now();
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'scelle-drill-'));
  try {
    const { master, stateDir: _s, tempDir: _t, clock: _c, fromKit: _f, ...select } = options;
    const r = await restoreSnapshot(d, { ...select, master, to: join(dir, 'r') });
    const config = await expectRepository(d, r.repository);
    const doc = await readSnapshot(d, await master, r.snapshot, config);
    const problems = [...r.problems];
    let files = 0;
    for (const e of doc.entries) {
      if (e.type !== 'file' || problems.some((p) => p.path === e.path)) continue;
      const sha = await sha256File(join(dir, 'r', e.path)).catch(() => undefined);
      if (sha !== e.sha256) problems.push({ path: e.path, code: 'OBJECT_CORRUPT', message: `${e.path}: restored content differs from the snapshot` });
      else files++;
    }
    const result: DrillResult = { ok: problems.length === 0, snapshot: r.snapshot, time: r.time, files, bytes: r.bytes, destination: r.destination, seal: r.seal, problems, durationMs: Date.now() - started };
    if (options.stateDir !== undefined) {
      const now = (options.clock ?? (() => new Date()))().toISOString();
      await updateState(options.stateDir, (s) => { s.lastDrill = { time: now, snapshot: r.snapshot, files, ok: result.ok, ...(options.fromKit ? { fromKit: true } : {}) }; });
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function sha256File(path: string): Promise<string> {
  const h = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await h.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
    return hash.digest('hex');
  } finally {
    await h.close();
  }
}

export type { SnapshotEntry, SnapshotListing };
