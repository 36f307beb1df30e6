/**
 * `backup run`: one snapshot, chunked and encrypted once, written to every usable destination
 * (restic's archiver, in parts: prepare.ts binds the destinations, scanner.ts walks the sources,
 * file-saver.ts chunks and packs on every core, pack-uploader.ts uploads and indexes, catch-up.ts
 * fills what a returning destination lacks, sealer.ts commits).
 *
 * Order (restic's): packs → index → snapshot → seal signature → seal (the commit point). Each
 * pack is journaled once every destination has it and an index object is written every
 * `indexEvery` packs, so a run killed at any moment leaves repositories that verify, and the next
 * run skips what is already stored. Nothing is ever overwritten, and nothing is deleted but the
 * temp files of interrupted runs: the credentials of a destination need no delete right.
 */
import { availableParallelism, hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScelleError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Destination } from './destination/destination.js';
import { copyMissing, listHoldings, type Holdings } from './catch-up.js';
import { newRunKey, sha256Hex } from './envelope.js';
import { deriveWriteKeys, type WriteKeys } from './keys.js';
import { acquireLocks, takeLocalLock, type HeldLock, type LockOwner } from './lock.js';
import { encodeSealed, packKey } from './objects.js';
import { PackUploader, writeToAll } from './pack-uploader.js';
import { prepareDestinations, type DestinationEvent, type DestinationOutcome, type DestinationSet } from './prepare.js';
import { loadIndex, type RepoIndex } from './repo-index.js';
import type { RepoConfig } from './repository.js';
import { extendLocks } from './retention.js';
import { interrupted, scanSources, sourceLabels, type ScannedFile } from './scanner.js';
import { writeSeals } from './sealer.js';
import type { SealSigning, SealedObject, Witness } from './seal.js';
import { startFileSaver } from './file-saver.js';
import type { ChunkRef, SnapshotDoc, SnapshotEntry } from './snapshot.js';
import { FILES_CACHE, JOURNAL, readState, updateState, type BackupState } from './state.js';

export { sourceLabels } from './scanner.js';

/** What the writer knows of its repository (from the config file). */
export interface WriterRepository {
  id: string;
  /** X25519 public key, hex. */
  recipient: string;
  /** 32 bytes. */
  writeKey: Uint8Array;
}

/** Progress and report events of a run. */
export type BackupEvent =
  | DestinationEvent
  | { type: 'catch-up'; destination: string; objects: number; bytes: number }
  | { type: 'temp-removed'; destination: string; objects: number }
  | { type: 'scan'; files: number; bytes: number }
  | { type: 'progress'; files: number; totalFiles: number; bytes: number; totalBytes: number; newBytes: number; elapsedMs: number; rate: number; etaMs?: number }
  | { type: 'file-error'; path: string; code: string; message: string };

/** Options of {@link runBackup}. */
export interface RunBackupOptions {
  destinations: Destination[];
  repository: WriterRepository;
  /** Folders (or files) to back up. */
  sources: string[];
  /** Local state folder (files cache, journal, seal chain heads). Without it, nothing is cached. */
  stateDir?: string;
  /** Signs the seals. Without it the seals are written unsigned (verify says so). */
  seal?: SealSigning;
  /** Worker threads (default: cores, at most 4; 0 = in this thread). */
  workers?: number;
  /** Create missing destinations and fill empty ones (never done otherwise). */
  create?: boolean;
  onEvent?: (e: BackupEvent) => void;
  clock?: () => Date;
  owner?: LockOwner;
  /** Write an index object every this many packs (default 32). */
  indexEvery?: number;
  signal?: AbortSignal;
}

/** What a run did. */
export interface BackupRunResult {
  snapshot: string;
  time: string;
  files: number;
  bytes: number;
  newBytes: number;
  newPacks: number;
  /** Files read (not served by the files cache). */
  filesRead: number;
  fileErrors: { path: string; code: string; message: string }[];
  destinations: DestinationOutcome[];
  seal: { signed: boolean; timestamped: boolean; objects: number };
  durationMs: number;
}

interface CacheEntry { size: number; mtime: number; ctime: number; ino: number; sha256: string; chunks: string[] }
interface FilesCache { repository: string; entries: Record<string, CacheEntry> }

/** What a run carries from one step to the next. */
interface RunContext {
  o: RunBackupOptions;
  clock: () => Date;
  emit: (e: BackupEvent) => void;
  keys: WriteKeys;
  state: BackupState;
  started: number;
}

/**
 * Backs up `sources` to every usable destination.
 * @throws ScelleError TARGET_OFFLINE (no destination usable), REPO_NOT_FOUND, LOCKED, INTERRUPTED,
 *   IO_ERROR, FILE_NOT_FOUND (a source). A destination that fails is reported in the result.
 */
export async function runBackup(o: RunBackupOptions): Promise<BackupRunResult> {
  const ctx: RunContext = {
    o, clock: o.clock ?? (() => new Date()), emit: o.onEvent ?? ((): void => undefined),
    keys: deriveWriteKeys(o.repository.writeKey, Buffer.from(o.repository.recipient, 'hex')),
    state: o.stateDir !== undefined ? await readState(o.stateDir) : { version: 1, destinations: {} },
    started: Date.now(),
  };
  const { set, config } = await prepareDestinations(o.destinations, { repository: o.repository, state: ctx.state, ...(o.create ? { create: true } : {}), emit: ctx.emit });
  const local = o.stateDir !== undefined ? await takeLocalLock(o.stateDir, o.owner) : undefined;
  let locks: HeldLock | undefined;
  const refresher = setInterval(() => void locks?.refresh(), 60_000);
  refresher.unref();
  try {
    locks = await acquireLocks([...set.active], 'backup run', 'append', { ...(o.owner ? { owner: o.owner } : {}), clock: ctx.clock });
    if (o.signal?.aborted) throw interrupted();
    // the temp files of an interrupted run: after a crash, or when there is no local state to tell
    const interruptedBefore = local === undefined || local.tookOver || (await readFile(join(o.stateDir!, JOURNAL), 'utf8').catch(() => '')) !== '';
    return await runLocked(ctx, set, config, interruptedBefore);
  } finally {
    clearInterval(refresher);
    await locks?.release().catch(() => undefined);
    await local?.release();
  }
}

async function runLocked(ctx: RunContext, set: DestinationSet, config: RepoConfig, interruptedBefore: boolean): Promise<BackupRunResult> {
  if (interruptedBefore) await removeTemp(ctx, set);
  const holdings = await listHoldings(set, ['keys/', 'index/', 'data/']);
  const caught = await copyMissing(set, holdings, [...holdings.values()].flatMap((h) => [...h].filter((k) => !k.startsWith('data/'))), ctx.o.signal);
  if (set.active.length === 0) throw new ScelleError('TARGET_ERROR', 'every backup destination failed: nothing was backed up');
  const index = await loadIndex(set.active[0]!, ctx.keys.indexKey);
  const uploader = new PackUploader(set, index, ctx.keys.indexKey, ctx.o.stateDir, ctx.o.indexEvery);
  await uploader.resume();
  const saved = await saveFiles(ctx, config, index, uploader);
  await uploader.flushIndex();
  const snap = buildSnapshot(ctx, index, saved, uploader.runIndexes);
  await writeToAll(set, `snapshots/${snap.name}`, snap.data);
  const needed = [...snap.doc.packs.map(packKey), ...uploader.runIndexes.map((n) => `index/${n}`)];
  for (const d of set.active) {
    const h = holdings.get(d)!;
    for (const k of [...uploader.written, `snapshots/${snap.name}`, 'config']) h.add(k);
  }
  const late = await copyMissing(set, holdings, needed, ctx.o.signal);
  for (const [name, c] of [...caught, ...late]) if (c.objects > 0) ctx.emit({ type: 'catch-up', destination: name, ...c });
  const objects = await sealedObjects(set, holdings, snap, index, uploader.runIndexes);
  const cacheWritten = writeCache(ctx, saved.cache, snap);
  const heads = await writeSeals(set.active.map((d) => ({ destination: d, head: headOf(set, d) })), {
    repository: ctx.o.repository.id, kind: 'snapshot', time: snap.doc.time, host: snap.doc.host, snapshot: snap.name,
    files: snap.doc.totals.files, bytes: snap.doc.totals.bytes, sources: snap.doc.sources.map((s) => s.path), objects, removed: [],
  }, { ...(ctx.o.seal ? { signing: ctx.o.seal } : {}), ...(ctx.o.stateDir ? { stateDir: ctx.o.stateDir } : {}), witnesses: (name) => witnesses(ctx.state, name), onFail: (d, e) => set.fail(d, e) });
  await extendLocks(set, objects, ctx.clock());
  await Promise.all([cacheWritten, recordRun(ctx, set, snap, heads)]);
  return result(ctx, set, snap, saved, uploader.newPacks, objects.length, caught, late);
}

function headOf(set: DestinationSet, d: Destination): { sequence: number; sha256: string } | undefined {
  const h = set.chains.get(d)?.head;
  return h === undefined ? undefined : { sequence: h.seal.sequence, sha256: h.sha256 };
}

/** The heads of the other destinations this machine knows (the seal's witnesses). */
function witnesses(state: BackupState, name: string): Witness[] {
  return Object.entries(state.destinations)
    .filter(([n, s]) => n !== name && s.head !== undefined)
    .map(([n, s]) => ({ destination: n, sequence: s.head!.sequence, sha256: s.head!.sha256 }));
}

/** Removes the temp objects interrupted runs left (older than 15 minutes) on every destination. */
async function removeTemp(ctx: RunContext, set: DestinationSet): Promise<void> {
  await Promise.all(set.active.map(async (d) => {
    // this run holds the append lock: no other writer is at work; a reader's lock file lives a few ms
    const n = await d.removeTemp(15 * 60_000, ctx.clock()).catch(() => 0);
    if (n > 0) ctx.emit({ type: 'temp-removed', destination: d.info.name, objects: n });
  }));
}

interface Saved {
  files: ScannedFile[];
  others: SnapshotEntry[];
  results: Map<string, CacheEntry>;
  labels: { path: string; label: string }[];
  cache: FilesCache;
  newBytes: number;
  filesRead: number;
  fileErrors: BackupRunResult['fileErrors'];
}

/** Scans the sources, serves unchanged files from the cache, and saves the others. */
async function saveFiles(ctx: RunContext, config: RepoConfig, index: RepoIndex, uploader: PackUploader): Promise<Saved> {
  const o = ctx.o;
  const labels = sourceLabels(o.sources);
  const scan = await scanSources(labels, o.signal);
  ctx.emit({ type: 'scan', files: scan.files.length, bytes: scan.totalBytes });
  const cache = o.stateDir !== undefined ? await readCache(o.stateDir, o.repository.id, index) : { repository: o.repository.id, entries: {} };
  const saved: Saved = { files: scan.files, others: scan.others, results: new Map(), labels, cache, newBytes: 0, filesRead: 0, fileErrors: [] };
  const progress = progressReporter(ctx, scan.files.length, scan.totalBytes, () => saved.newBytes);
  const todo: ScannedFile[] = [];
  for (const f of scan.files) {
    const c = cache.entries[f.abs];
    if (c !== undefined && c.size === f.size && c.mtime === f.mtime && c.ctime === f.ctime && c.ino === f.ino) {
      saved.results.set(f.abs, c);
      progress.file(f.size);
    } else todo.push(f);
  }
  if (todo.length === 0) return saved;
  const run = newRunKey(ctx.keys.recipient);
  const workers = o.workers ?? Math.min(4, availableParallelism());
  const saver = startFileSaver({
    runKey: run.key, ephPub: run.ephPub, idKey: ctx.keys.idKey, gearSeed: ctx.keys.gearSeed, chunker: config.chunker, packSize: config.packSize, known: [...index.blobs.keys()],
  }, workers, async (p) => {
    if (o.signal?.aborted) throw interrupted();
    await uploader.upload(p);
  }, (n) => progress.bytes(n));
  try {
    await saveAll(ctx, saver, todo, saved, progress, Math.max(2, workers * 2));
    await saver.flush();
  } finally {
    await saver.close();
  }
  if (o.signal?.aborted) throw interrupted();
  progress.done();
  return saved;
}

/** Saves `todo` with at most `limit` files in flight; unreadable files are reported, not fatal. */
async function saveAll(ctx: RunContext, saver: ReturnType<typeof startFileSaver>, todo: ScannedFile[], saved: Saved, progress: ReturnType<typeof progressReporter>, limit: number): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (const f of todo) {
    if (ctx.o.signal?.aborted) throw interrupted();
    const p: Promise<void> = saver.save(f.abs).then((r) => {
      saved.results.set(f.abs, { size: r.size, mtime: f.mtime, ctime: f.ctime, ino: f.ino, sha256: r.sha256, chunks: r.chunks });
      saved.newBytes += r.newBytes;
      saved.filesRead++;
    }, (e: unknown) => {
      if (!(e instanceof ScelleError) || e.code !== 'IO_ERROR') throw e;
      saved.fileErrors.push({ path: f.abs, code: e.code, message: e.message });
      ctx.emit({ type: 'file-error', path: f.abs, code: e.code, message: e.message });
    }).finally(() => {
      inFlight.delete(p);
      progress.file(0);
    });
    inFlight.add(p);
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/** Progress events, at most every 250 ms. */
function progressReporter(ctx: RunContext, totalFiles: number, totalBytes: number, newBytes: () => number): { file(bytes: number): void; bytes(n: number): void; done(): void } {
  let files = 0;
  let bytes = 0;
  let last = 0;
  const emit = (force = false): void => {
    const now = Date.now();
    if (!force && now - last < 250) return;
    last = now;
    const elapsedMs = now - ctx.started;
    const rate = elapsedMs > 0 ? bytes / (elapsedMs / 1000) : 0;
    ctx.emit({ type: 'progress', files, totalFiles, bytes, totalBytes, newBytes: newBytes(), elapsedMs, rate, ...(rate > 0 ? { etaMs: Math.round(((totalBytes - bytes) / rate) * 1000) } : {}) });
  };
  return {
    file: (b) => { files++; bytes += b; emit(); },
    bytes: (n) => { bytes += n; emit(); },
    done: () => emit(true),
  };
}

interface BuiltSnapshot {
  doc: SnapshotDoc;
  data: Buffer;
  name: string;
  cacheEntries: Record<string, CacheEntry>;
}

/** The snapshot document of the run: every entry, chunks located through the index. */
function buildSnapshot(ctx: RunContext, index: RepoIndex, saved: Saved, runIndexes: string[]): BuiltSnapshot {
  const packIndex = new Map<string, number>();
  const packs: string[] = [];
  const entries: SnapshotEntry[] = [...saved.others];
  const cacheEntries: Record<string, CacheEntry> = {};
  let bytes = 0;
  let files = 0;
  for (const f of saved.files) {
    const r = saved.results.get(f.abs);
    if (r === undefined) continue;
    const chunks: ChunkRef[] = r.chunks.map((id) => {
      const loc = index.blobs.get(id);
      if (loc === undefined) throw new ScelleError('INTERNAL', `chunk ${id} of ${f.rel} is not in the index`);
      let pi = packIndex.get(loc.pack);
      if (pi === undefined) {
        packIndex.set(loc.pack, (pi = packs.length));
        packs.push(loc.pack);
      }
      return [id, pi, loc.offset, loc.length, loc.rawLength, loc.z];
    });
    entries.push({ path: f.rel, type: 'file', mode: f.mode, mtime: f.mtime, size: r.size, sha256: r.sha256, chunks });
    cacheEntries[f.abs] = r;
    bytes += r.size;
    files++;
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const doc: SnapshotDoc = {
    scelle: 'backup-snapshot', version: 1, repository: ctx.o.repository.id, time: ctx.clock().toISOString(), host: ctx.o.owner?.host ?? hostname(),
    sources: saved.labels, packs, indexes: runIndexes, entries, totals: { files, bytes },
  };
  const run = newRunKey(ctx.keys.recipient);
  const data = encodeSealed('snapshot', run.key, run.ephPub, doc);
  return { doc, data, name: sha256Hex(data), cacheEntries };
}

/**
 * What the seals list: the snapshot, its packs, the run's indexes, the config and key slots —
 * each with its SHA-256 and size; every one must be on every destination sealed.
 */
async function sealedObjects(set: DestinationSet, holdings: Holdings, snap: BuiltSnapshot, index: RepoIndex, runIndexes: string[]): Promise<SealedObject[]> {
  const out: SealedObject[] = [{ key: `snapshots/${snap.name}`, sha256: snap.name, size: snap.data.length }];
  for (const p of snap.doc.packs) out.push({ key: packKey(p), sha256: p, size: index.packs.get(p) ?? -1 });
  const first = set.active[0]!;
  for (const n of runIndexes) out.push({ key: `index/${n}`, sha256: n, size: (await first.stat(`index/${n}`))?.size ?? -1 });
  for (const key of ['config', ...[...(holdings.get(first) ?? [])].filter((k) => k.startsWith('keys/')).sort()]) {
    const data = await first.get(key, { maxBytes: 64 * 1024 });
    out.push({ key, sha256: sha256Hex(data), size: data.length });
  }
  for (const d of [...set.active]) {
    const lacking = out.find((x) => x.size < 0 || !(holdings.get(d)?.has(x.key) ?? false));
    if (lacking !== undefined) set.fail(d, new ScelleError('OBJECT_MISSING', `"${d.info.name}" lacks ${lacking.key} and no other destination has a sound copy: this run is not sealed there`, { params: { object: lacking.key, target: d.info.name } }));
  }
  return out;
}

/** The files cache of the run (so unchanged files are not read next time). */
async function writeCache(ctx: RunContext, cache: FilesCache, snap: BuiltSnapshot): Promise<void> {
  if (ctx.o.stateDir === undefined) return;
  await writeFileAtomic(join(ctx.o.stateDir, FILES_CACHE), JSON.stringify({ repository: cache.repository, entries: snap.cacheEntries }), { mode: 0o600 });
}

/** Records the run in the local state: seal heads, last writes. */
async function recordRun(ctx: RunContext, set: DestinationSet, snap: BuiltSnapshot, heads: Map<string, { sequence: number; sha256: string; time: string }>): Promise<void> {
  const dir = ctx.o.stateDir;
  if (dir === undefined) return;
  const time = snap.doc.time;
  await updateState(dir, (s) => {
    for (const d of set.active) {
      const head = heads.get(d.info.name);
      if (head === undefined) continue;
      s.destinations[d.info.name] = { ...s.destinations[d.info.name], lastSnapshot: snap.name, lastSnapshotTime: time, lastWrite: time, head };
      delete s.destinations[d.info.name]!.pendingCreate;
    }
    for (const x of set.outcomes.values()) if (x.status === 'offline') s.destinations[x.name] = { ...s.destinations[x.name], lastOffline: time };
  });
}

function result(ctx: RunContext, set: DestinationSet, snap: BuiltSnapshot, saved: Saved, newPacks: number, objects: number, ...caught: Map<string, { objects: number }>[]): BackupRunResult {
  for (const d of set.active) {
    const n = caught.reduce((a, m) => a + (m.get(d.info.name)?.objects ?? 0), 0);
    set.outcomes.set(d.info.name, { name: d.info.name, media: d.info.media, status: 'written', ...(n > 0 ? { caughtUp: n } : {}), ...(set.created.has(d.info.name) ? { created: true } : {}) });
  }
  return {
    snapshot: snap.name, time: snap.doc.time, files: snap.doc.totals.files, bytes: snap.doc.totals.bytes, newBytes: saved.newBytes, newPacks, filesRead: saved.filesRead, fileErrors: saved.fileErrors,
    destinations: ctx.o.destinations.map((d) => set.outcomes.get(d.info.name)!),
    seal: { signed: ctx.o.seal !== undefined, timestamped: ctx.o.seal?.timestamp !== undefined, objects },
    durationMs: Date.now() - ctx.started,
  };
}

async function readCache(stateDir: string, id: string, index: RepoIndex): Promise<FilesCache> {
  try {
    const c = JSON.parse(await readFile(join(stateDir, FILES_CACHE), 'utf8')) as FilesCache;
    if (c.repository !== id) return { repository: id, entries: {} };
    // an entry is only trusted when every chunk it names is still in the repository
    for (const [k, v] of Object.entries(c.entries)) if (!v.chunks.every((x) => index.blobs.has(x))) delete c.entries[k];
    return c;
  } catch {
    return { repository: id, entries: {} };
  }
}
