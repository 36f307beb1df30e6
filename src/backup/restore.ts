/**
 * Restoring a snapshot (all of it or one path) into a new folder, and the restore drill.
 * Every chunk is authenticated (AES-GCM) and every file checked against the SHA-256 the snapshot
 * recorded; paths from the snapshot are checked before anything is written (UNSAFE_PATH), a file is
 * written to a temp name then renamed, and nothing is overwritten without `force`.
 */
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, open, readdir, rm, symlink, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { ScelleError } from '../errors.js';
import type { Destination } from './destination/destination.js';
import type { MasterSecret } from './keys.js';
import type { JobResult, RestoreChunk } from './pack-reader.js';
import { readerSource, startReadPool } from './read-pool.js';
import { decodeSealed, packKey, readRepoConfig } from './repository.js';
import { parseSeal } from './seal.js';
import { assertSafePath, selectEntries, type SnapshotDoc, type SnapshotEntry } from './snapshot.js';
import { updateState } from './state.js';

/** A snapshot as listed (from its seal: no key needed). */
export interface SnapshotListing {
  snapshot: string;
  time: string;
  host: string;
  files: number;
  bytes: number;
  sources: string[];
  objects: number;
}

/** Lists the sealed snapshots of a target, oldest first (no key needed). */
export async function listSnapshots(t: Destination): Promise<SnapshotListing[]> {
  const out: SnapshotListing[] = [];
  for await (const o of t.list('seals/')) {
    if (!o.key.endsWith('.seal')) continue;
    try {
      const s = parseSeal(await t.get(o.key), o.key);
      out.push({ snapshot: s.snapshot, time: s.time, host: s.host, files: s.files, bytes: s.bytes, sources: s.sources, objects: s.objects.length });
    } catch {
      // an unreadable seal is reported by verify
    }
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/**
 * Finds a snapshot: the latest sealed one, or the one whose name starts with `prefix`.
 * @throws ScelleError SNAPSHOT_NOT_FOUND.
 */
export async function findSnapshot(t: Destination, prefix?: string): Promise<SnapshotListing> {
  const all = await listSnapshots(t);
  if (prefix === undefined || prefix === 'latest') {
    const last = all[all.length - 1];
    if (last === undefined) throw new ScelleError('SNAPSHOT_NOT_FOUND', `destination "${t.info.name}" holds no snapshot yet`, { params: { target: t.info.name } });
    return last;
  }
  const m = all.filter((s) => s.snapshot.startsWith(prefix.toLowerCase()));
  if (m.length !== 1) throw new ScelleError('SNAPSHOT_NOT_FOUND', m.length === 0 ? `no snapshot ${prefix} on "${t.info.name}"` : `${prefix} names several snapshots: give more characters`, { params: { snapshot: prefix, target: t.info.name } });
  return m[0]!;
}

/** Reads and decrypts a snapshot. */
export async function readSnapshot(t: Destination, master: MasterSecret, snapshot: string): Promise<SnapshotDoc> {
  const config = await readRepoConfig(t);
  const bytes = await t.get(`snapshots/${snapshot}`);
  return decodeSealed<SnapshotDoc>('snapshot', master, Buffer.from(config.recipient, 'hex'), bytes, `snapshots/${snapshot}`);
}

/** Options of {@link restoreSnapshot}. */
export interface RestoreOptions {
  master: MasterSecret;
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
 * Restores a snapshot.
 * @throws ScelleError OUTPUT_EXISTS (non-empty folder without `force`), UNSAFE_PATH,
 *   SNAPSHOT_NOT_FOUND (also when `path` matches nothing), OBJECT_MISSING / OBJECT_CORRUPT are
 *   reported per file in `problems`.
 */
export async function restoreSnapshot(t: Destination, options: RestoreOptions): Promise<RestoreResult> {
  const listing = await findSnapshot(t, options.snapshot);
  const doc = await readSnapshot(t, options.master, listing.snapshot);
  const entries = selectEntries(doc.entries, options.path);
  if (entries.length === 0) throw new ScelleError('SNAPSHOT_NOT_FOUND', `nothing in snapshot ${listing.snapshot.slice(0, 12)} matches ${options.path}`, { params: { snapshot: listing.snapshot, file: options.path ?? '' } });
  for (const e of entries) assertSafePath(e.path);
  const to = resolve(options.to);
  if (!options.force && !(await isEmptyOrAbsent(to))) {
    throw new ScelleError('OUTPUT_EXISTS', `${to} exists and is not empty: restore into a new folder, or use --force to write into it`, { params: { file: to } });
  }
  await mkdir(to, { recursive: true });
  const config = await readRepoConfig(t);
  const files = entries.filter((e) => e.type === 'file');
  const totalBytes = files.reduce((a, f) => a + (f.size ?? 0), 0);
  const result: RestoreResult = { snapshot: listing.snapshot, time: listing.time, to, files: 0, bytes: 0, problems: [] };
  const dirs = entries.filter((e) => e.type === 'dir');
  for (const d of dirs) await mkdir(join(to, d.path), { recursive: true });
  const inside = (p: string): string => {
    const full = resolve(to, p);
    if (!full.startsWith(to + sep)) throw new ScelleError('UNSAFE_PATH', `the snapshot path ${p} leaves the restore folder`, { params: { file: p } });
    return full;
  };
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
  // Decrypting, decompressing, hashing and writing run on worker threads (read-pool.ts); this
  // thread reads the packs they ask for. Each pack belongs to one reader (the one restoring the
  // first file that needs it), so a pack is read once; the files of a reader are restored in order.
  const pool = startReadPool({ readKey: options.master.readKey, recipient: Buffer.from(config.recipient, 'hex'), ...readerSource(t) }, (name) => t.get(packKey(name)));
  // Files are grouped by the pack of their first chunk (most files are one chunk), and groups come
  // in the order their packs are first used; a pack first used by a later chunk of a file goes to
  // the reader of that file. A reader then needs each pack about once and keeps only a few.
  interface Group { n: number; files: SnapshotEntry[] }
  const groups = new Map<string, Group>();
  const order: Group[] = [];
  const lists: SnapshotEntry[][] = Array.from({ length: pool.size }, () => []);
  const load: number[] = lists.map(() => 0);
  const leastLoaded = (): number => load.indexOf(Math.min(...load));
  const group = (pack: string, n: number): Group => {
    let g = groups.get(pack);
    if (g === undefined) {
      groups.set(pack, (g = { n, files: [] }));
      order.push(g);
    }
    return g;
  };
  for (const f of files) {
    const chunks = f.chunks ?? [];
    const first = chunks[0] === undefined ? undefined : doc.packs[chunks[0][1]];
    const g = first === undefined ? { n: leastLoaded(), files: [] } : group(first, leastLoaded());
    if (first === undefined) order.push(g);
    for (const c of chunks) {
      const pack = doc.packs[c[1]];
      if (pack !== undefined) group(pack, g.n);
    }
    g.files.push(f);
    load[g.n]! += f.size ?? 0;
  }
  for (const g of order) lists[g.n]!.push(...g.files);
  const restoreOne = async (f: SnapshotEntry, n: number): Promise<void> => {
    const dest = inside(f.path);
    const parentDir = dirname(dest);
    const tmp = join(parentDir, `.${f.path.split('/').pop()}.scelle-restore`);
    let r: JobResult;
    try {
      await ensureDir(parentDir, f.path);
      const chunks: RestoreChunk[] = (f.chunks ?? []).map(([id, pi, offset, length, rawLength, z]) => {
        const pack = doc.packs[pi];
        if (pack === undefined) throw new ScelleError('REPO_CORRUPT', `${f.path} names a pack that is not in the snapshot's list`, { params: { file: f.path } });
        return [id, pack, offset, length, rawLength, z];
      });
      r = await pool.restore(n, { path: f.path, dest, tmp, mode: f.mode, mtime: f.mtime, sha256: f.sha256, chunks });
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
  try {
    // a few files queued per reader, so that it reads the next pack ahead
    await Promise.all(lists.map(async (list, n) => {
      const inFlight = new Set<Promise<void>>();
      for (const f of list) {
        const p: Promise<void> = restoreOne(f, n).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= 8) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    }));
  } finally {
    await pool.close();
  }
  const rankOf = new Map(files.map((f, i) => [f.path, i]));
  result.problems.sort((a, b) => (rankOf.get(a.path) ?? 0) - (rankOf.get(b.path) ?? 0));
  // links last (a link never redirects a later write), then folder times, deepest first
  for (const l of entries.filter((e) => e.type === 'symlink')) {
    const dest = inside(l.path);
    await rm(dest, { force: true }).catch(() => undefined);
    await symlink(l.link ?? '', dest).catch((e: Error) => result.problems.push({ path: l.path, code: 'IO_ERROR', message: e.message }));
  }
  for (const d of [...dirs].sort((a, b) => b.path.length - a.path.length)) {
    await chmod(join(to, d.path), (d.mode & 0o777) | 0o700).catch(() => undefined);
    await utimes(join(to, d.path), d.mtime / 1000, d.mtime / 1000).catch(() => undefined);
  }
  return result;
}

/** What a drill found. */
export interface DrillResult {
  ok: boolean;
  snapshot: string;
  time: string;
  files: number;
  bytes: number;
  /** Files whose restored bytes differ from the snapshot's SHA-256, or could not be restored. */
  problems: { path: string; code: string; message: string }[];
  durationMs: number;
}

/**
 * The quarterly restore test: restores the latest snapshot to a temp folder, reads every
 * restored file again and compares it with the snapshot's SHA-256, records the date in the state,
 * and removes the folder.
 */
export async function drillRestore(t: Destination, options: { master: MasterSecret; stateDir?: string; tempDir?: string; clock?: () => Date; snapshot?: string }): Promise<DrillResult> {
  const started = Date.now();
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'scelle-drill-'));
  try {
    const r = await restoreSnapshot(t, { master: options.master, to: join(dir, 'r'), ...(options.snapshot ? { snapshot: options.snapshot } : {}) });
    const doc = await readSnapshot(t, options.master, r.snapshot);
    const problems = [...r.problems];
    let files = 0;
    for (const e of doc.entries) {
      if (e.type !== 'file' || problems.some((p) => p.path === e.path)) continue;
      const sha = await sha256File(join(dir, 'r', e.path)).catch(() => undefined);
      if (sha !== e.sha256) problems.push({ path: e.path, code: 'OBJECT_CORRUPT', message: `${e.path}: restored content differs from the snapshot` });
      else files++;
    }
    const result: DrillResult = { ok: problems.length === 0, snapshot: r.snapshot, time: r.time, files, bytes: r.bytes, problems, durationMs: Date.now() - started };
    if (options.stateDir !== undefined) {
      const now = (options.clock ?? (() => new Date()))().toISOString();
      await updateState(options.stateDir, (s) => { s.lastDrill = { time: now, snapshot: r.snapshot, files, ok: result.ok }; });
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

export type { SnapshotEntry };
