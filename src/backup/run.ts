/**
 * `backup run`: one snapshot, chunked and encrypted once, written to every reachable target.
 *
 * Order (restic's): packs → index → snapshot → seal signature → seal (the commit point). Each
 * pack is recorded in a local journal once every target has it, and an index object is written
 * every `indexEvery` packs, so a run killed at any moment leaves a repository that verifies, and
 * the next run skips what is already stored. Targets that were offline are caught up first: every
 * object another target has and they lack is copied (config last).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism, hostname } from 'node:os';
import { lstat, readdir, readFile, readlink, rm, appendFile, mkdir, open } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ScelleError, isScelleError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Destination, MediaKind } from './destination/destination.js';
import { newRunKey, sha256Hex } from './envelope.js';
import { deriveWriteKeys } from './keys.js';
import { FileProcessor, type BlobEntry, type FileOut, type PackOut, type ProcessorInit } from './file-processor.js';
import type { FromWorker, ToWorker } from './chunk-worker.js';
import {
  addToIndex, encodeIndex, encodeSealed, getVerified, loadIndex, packKey, readRepoConfig, type IndexDoc, type RepoConfig, type RepoIndex,
} from './repository.js';
import { acquireLock, type HeldLock, type LockOwner } from './lock.js';
import type { ChunkRef, SnapshotDoc, SnapshotEntry } from './snapshot.js';
import { formatSeal, sealKey, sealSignatureKey, signSeal, type SealSigning, type SealedObject } from './seal.js';
import { FILES_CACHE, JOURNAL, updateState } from './state.js';

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
  | { type: 'target'; target: string; media: MediaKind; online: boolean; reason?: string }
  | { type: 'catch-up'; target: string; objects: number; bytes: number }
  | { type: 'scan'; files: number; bytes: number }
  | { type: 'progress'; files: number; totalFiles: number; bytes: number; totalBytes: number; newBytes: number; elapsedMs: number; rate: number; etaMs?: number }
  | { type: 'file-error'; path: string; code: string; message: string }
  | { type: 'target-failed'; target: string; code: string; message: string };

/** Options of {@link runBackup}. */
export interface RunBackupOptions {
  targets: Destination[];
  repository: WriterRepository;
  /** Folders (or files) to back up. */
  sources: string[];
  /** Local state folder (files cache, journal, state.json). Without it, nothing is cached. */
  stateDir?: string;
  /** Signs the seal. Without it the seal is written unsigned (verify reports it). */
  seal?: SealSigning;
  /** Worker threads (default: cores, at most 4; 0 = in this thread). */
  workers?: number;
  onEvent?: (e: BackupEvent) => void;
  clock?: () => Date;
  owner?: LockOwner;
  /** Write an index object every this many packs (default 32). */
  indexEvery?: number;
  signal?: AbortSignal;
}

/** One target's outcome. */
export interface TargetOutcome {
  name: string;
  media: MediaKind;
  status: 'written' | 'offline' | 'failed';
  reason?: string;
  caughtUp?: number;
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
  targets: TargetOutcome[];
  seal: { signed: boolean; timestamped: boolean; objects: number };
  durationMs: number;
}

interface CacheEntry { size: number; mtime: number; ctime: number; ino: number; sha256: string; chunks: string[] }
interface FilesCache { repository: string; entries: Record<string, CacheEntry> }

interface ScannedFile { abs: string; rel: string; size: number; mtime: number; ctime: number; ino: number; mode: number }

const PREFIX_ORDER = ['data/', 'index/', 'snapshots/', 'seals/', 'keys/', 'config'];
const rank = (k: string): number => PREFIX_ORDER.findIndex((p) => k.startsWith(p));

function interrupted(): ScelleError {
  return new ScelleError('INTERRUPTED', 'the backup run was interrupted: run it again to resume (stored data is kept)');
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

async function scan(sources: { path: string; label: string }[], signal?: AbortSignal): Promise<{ files: ScannedFile[]; others: SnapshotEntry[] }> {
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
  return { files, others };
}

/** A pool of processors: worker threads, or one in this thread. */
interface Pool {
  process(path: string): Promise<FileOut>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

function workerUrl(): URL | undefined {
  const u = new URL('./chunk-worker.js', import.meta.url);
  // under a TypeScript runner (vitest) the module is .ts and cannot start a worker
  return import.meta.url.endsWith('.ts') ? undefined : u;
}

function makePool(init: ProcessorInit, n: number, onPack: (p: PackOut) => Promise<void>, onBytes: (n: number) => void): Pool {
  const url = workerUrl();
  if (n <= 0 || url === undefined) {
    // one file at a time: the processor reuses its read buffer
    const proc = new FileProcessor(init, onPack);
    let queue: Promise<unknown> = Promise.resolve();
    const serial = <T>(f: () => Promise<T>): Promise<T> => {
      const r = queue.then(f, f);
      queue = r.catch(() => undefined);
      return r;
    };
    return { process: (p) => serial(() => proc.processFile(p, onBytes)), flush: () => serial(() => proc.flush()), close: async () => undefined };
  }
  interface W { worker: Worker; busy: number; pending: Map<number, { res: (f: FileOut) => void; rej: (e: unknown) => void }>; flushed?: () => void; failed?: unknown }
  const workers: W[] = [];
  let seq = 0;
  let fatal: unknown;
  const writing = new Set<Promise<void>>();
  for (let i = 0; i < n; i++) {
    // a small young generation: chunk buffers are external memory, freed only when V8 collects
    const w: W = { worker: new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: 8 } }), busy: 0, pending: new Map() };
    w.worker.on('message', (m: FromWorker) => {
      if (m.type === 'pack') {
        const pack = { ...m.pack, data: Buffer.from(m.pack.data.buffer, m.pack.data.byteOffset, m.pack.data.byteLength) };
        const done = onPack(pack).then(() => w.worker.postMessage({ type: 'ack' } satisfies ToWorker), (e: unknown) => {
          fatal = e;
          for (const p of w.pending.values()) p.rej(e);
          w.pending.clear();
        }).finally(() => writing.delete(done));
        writing.add(done);
      } else if (m.type === 'bytes') onBytes(m.n);
      else if (m.type === 'file') {
        const p = w.pending.get(m.seq);
        w.pending.delete(m.seq);
        w.busy--;
        if (p === undefined) return;
        if (m.ok) p.res({ size: m.size, sha256: m.sha256, chunks: m.chunks, newBytes: m.newBytes });
        else p.rej(new ScelleError(m.code as 'IO_ERROR', m.message));
      } else if (m.type === 'flushed') w.flushed?.();
    });
    w.worker.on('error', (e) => {
      fatal = e;
      for (const p of w.pending.values()) p.rej(e);
      w.pending.clear();
    });
    w.worker.postMessage({ type: 'init', init } satisfies ToWorker);
    workers.push(w);
  }
  return {
    process: (path) => {
      if (fatal !== undefined) return Promise.reject(fatal);
      const w = workers.reduce((a, b) => (b.busy < a.busy ? b : a));
      w.busy++;
      const s = seq++;
      return new Promise<FileOut>((res, rej) => {
        w.pending.set(s, { res, rej });
        w.worker.postMessage({ type: 'file', seq: s, path } satisfies ToWorker);
      });
    },
    flush: async () => {
      await Promise.all(workers.map((w) => new Promise<void>((res) => {
        w.flushed = res;
        w.worker.postMessage({ type: 'flush' } satisfies ToWorker);
      })));
      while (writing.size > 0) await Promise.all([...writing]);
      if (fatal !== undefined) throw fatal;
    },
    close: async () => { await Promise.all(workers.map((w) => w.worker.terminate())); },
  };
}

/**
 * Backs up `sources` to every reachable target.
 * @throws ScelleError TARGET_OFFLINE (no target reachable), REPO_NOT_FOUND, CONFIG_INVALID (a
 *   target holds another repository), LOCKED, INTERRUPTED, IO_ERROR, FILE_NOT_FOUND (a source).
 */
export async function runBackup(options: RunBackupOptions): Promise<BackupRunResult> {
  const clock = options.clock ?? (() => new Date());
  const started = Date.now();
  const emit = options.onEvent ?? ((): void => undefined);
  const repo = options.repository;
  const keys = deriveWriteKeys(repo.writeKey, Buffer.from(repo.recipient, 'hex'));
  const outcomes = new Map<string, TargetOutcome>();
  const active: Destination[] = [];
  let config: RepoConfig | undefined;

  // 1. which targets are there, and do they hold this repository
  for (const t of options.targets) {
    const p = await t.probe().catch((e: unknown) => ({ online: false as const, reason: (e as Error).message }));
    emit({ type: 'target', target: t.info.name, media: t.info.media, online: p.online, ...(p.online ? {} : { reason: p.reason }) });
    if (!p.online) {
      outcomes.set(t.info.name, { name: t.info.name, media: t.info.media, status: 'offline', reason: p.reason });
      continue;
    }
    try {
      const c = await readRepoConfig(t);
      if (c.id !== repo.id) throw new ScelleError('CONFIG_INVALID', `destination "${t.info.name}" holds another backup repository (${c.id}, not ${repo.id})`, { params: { target: t.info.name } });
      config ??= c;
    } catch (e) {
      if (!isScelleError(e, 'REPO_NOT_FOUND')) {
        outcomes.set(t.info.name, { name: t.info.name, media: t.info.media, status: 'failed', reason: (e as Error).message });
        emit({ type: 'target-failed', target: t.info.name, code: (e as ScelleError).code ?? 'TARGET_ERROR', message: (e as Error).message });
        continue;
      }
      // an empty destination (a new drive): filled by the catch-up below
    }
    active.push(t);
  }
  if (active.length === 0) {
    throw new ScelleError('TARGET_OFFLINE', 'no backup destination is reachable: nothing was backed up', { hint: 'plug in a backup drive or check the network, then run again' });
  }
  if (config === undefined) throw new ScelleError('REPO_NOT_FOUND', 'no reachable destination holds the backup repository', { hint: 'run `scelle backup init` first' });
  if (config.recipient !== repo.recipient) throw new ScelleError('CONFIG_INVALID', 'the public key in the config does not match the repository', { params: { detail: 'recipient mismatch' } });

  // 2. locks: local, then every target
  let localLock: (() => Promise<void>) | undefined;
  if (options.stateDir !== undefined) localLock = await takeLocalLock(options.stateDir, options.owner);
  const locks: HeldLock[] = [];
  const failTarget = (t: Destination, e: unknown): void => {
    const i = active.indexOf(t);
    if (i >= 0) active.splice(i, 1);
    outcomes.set(t.info.name, { name: t.info.name, media: t.info.media, status: 'failed', reason: (e as Error).message });
    emit({ type: 'target-failed', target: t.info.name, code: (e as ScelleError).code ?? 'TARGET_ERROR', message: (e as Error).message });
  };
  const refresher = setInterval(() => { for (const l of locks) void l.refresh().catch(() => undefined); }, 60_000);
  refresher.unref();
  let pool: Pool | undefined;
  try {
    for (const t of [...active]) {
      try {
        locks.push(await acquireLock(t, 'backup run', { ...(options.owner ? { owner: options.owner } : {}), clock }));
      } catch (e) {
        if (isScelleError(e, 'LOCKED')) throw e;
        failTarget(t, e);
      }
    }
    if (options.signal?.aborted) throw interrupted();

    // 3. catch up targets that missed runs (each target is a full copy)
    await catchUp(active, emit, failTarget, options.signal);
    if (active.length === 0) throw new ScelleError('TARGET_ERROR', 'every backup destination failed: nothing was backed up');

    // 4. the index (the writer reads it with the index key), plus an interrupted run's journal
    const index = await loadIndex(active[0]!, keys.indexKey);
    const runIndexes: string[] = [];
    const writeAll = async (key: string, data: Uint8Array): Promise<void> => {
      await Promise.all([...active].map((t) => t.put(key, data).catch((e: unknown) => failTarget(t, e))));
      if (active.length === 0) throw new ScelleError('TARGET_ERROR', 'every backup destination failed during the run');
    };
    let pendingPacks: IndexDoc['packs'] = [];
    // index flushes run one at a time; packs that arrive meanwhile stay pending (and journaled)
    let flushing: Promise<void> = Promise.resolve();
    const flushIndex = (): Promise<void> => {
      const next = flushing.then(async () => {
        if (pendingPacks.length === 0) return;
        const packs = pendingPacks;
        pendingPacks = [];
        const doc: IndexDoc = { scelle: 'backup-index', version: 1, packs };
        const data = encodeIndex(keys.indexKey, doc);
        const name = sha256Hex(data);
        await writeAll(`index/${name}`, data);
        addToIndex(index, doc);
        index.objects.push(name);
        runIndexes.push(name);
        if (options.stateDir !== undefined) {
          await writeFileAtomic(join(options.stateDir, JOURNAL), pendingPacks.map((p) => `${JSON.stringify(p)}\n`).join(''), { mode: 0o600 });
        }
      });
      flushing = next.catch(() => undefined);
      return next;
    };
    if (options.stateDir !== undefined) {
      const journaled = await readJournal(options.stateDir);
      for (const p of journaled) {
        if (index.packs.has(p.name)) continue;
        const sizes = await Promise.all(active.map((t) => t.stat(packKey(p.name)).catch(() => undefined)));
        if (sizes.every((s) => s?.size === p.size)) pendingPacks.push(p);
      }
      await flushIndex();
    }

    // 5. scan, files cache
    const labels = sourceLabels(options.sources);
    const { files, others } = await scan(labels, options.signal);
    const totalBytes = files.reduce((a, f) => a + f.size, 0);
    emit({ type: 'scan', files: files.length, bytes: totalBytes });
    const cache = options.stateDir !== undefined ? await readCache(options.stateDir, repo.id, index) : { repository: repo.id, entries: {} };
    const newCache: FilesCache = { repository: repo.id, entries: {} };

    // 6. chunk, encrypt, pack, write
    const run = newRunKey(keys.recipient);
    let newPacks = 0;
    let newBytes = 0;
    let doneBytes = 0;
    let doneFiles = 0;
    let lastProgress = 0;
    const progress = (force = false): void => {
      const now = Date.now();
      if (!force && now - lastProgress < 250) return;
      lastProgress = now;
      const elapsedMs = now - started;
      const rate = elapsedMs > 0 ? doneBytes / (elapsedMs / 1000) : 0;
      emit({ type: 'progress', files: doneFiles, totalFiles: files.length, bytes: doneBytes, totalBytes, newBytes, elapsedMs, rate, ...(rate > 0 ? { etaMs: Math.round(((totalBytes - doneBytes) / rate) * 1000) } : {}) });
    };
    const onPack = async (p: PackOut): Promise<void> => {
      if (options.signal?.aborted) throw interrupted();
      await writeAll(packKey(p.name), p.data);
      const entry = { name: p.name, size: p.data.length, blobs: p.blobs };
      pendingPacks.push(entry);
      if (options.stateDir !== undefined) await appendFile(join(options.stateDir, JOURNAL), `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      newPacks++;
      if (pendingPacks.length >= (options.indexEvery ?? 32)) await flushIndex();
    };
    const init: ProcessorInit = {
      runKey: run.key, ephPub: run.ephPub, idKey: keys.idKey, gearSeed: keys.gearSeed, chunker: config.chunker, packSize: config.packSize,
      known: [...index.blobs.keys()],
    };
    const nWorkers = options.workers ?? Math.min(4, availableParallelism());
    pool = makePool(init, nWorkers, onPack, (n) => { doneBytes += n; progress(); });
    const results = new Map<string, CacheEntry>();
    const fileErrors: BackupRunResult['fileErrors'] = [];
    let filesRead = 0;
    const todo: ScannedFile[] = [];
    for (const f of files) {
      const c = cache.entries[f.abs];
      if (c !== undefined && c.size === f.size && c.mtime === f.mtime && c.ctime === f.ctime && c.ino === f.ino) {
        results.set(f.abs, c);
        doneBytes += f.size;
        doneFiles++;
      } else todo.push(f);
    }
    const inFlight = new Set<Promise<void>>();
    const limit = Math.max(2, nWorkers * 2);
    for (const f of todo) {
      if (options.signal?.aborted) throw interrupted();
      const p: Promise<void> = pool.process(f.abs).then((r) => {
        results.set(f.abs, { size: r.size, mtime: f.mtime, ctime: f.ctime, ino: f.ino, sha256: r.sha256, chunks: r.chunks });
        newBytes += r.newBytes;
        filesRead++;
      }, (e: unknown) => {
        if (!(e instanceof ScelleError) || e.code !== 'IO_ERROR') throw e;
        fileErrors.push({ path: f.abs, code: e.code, message: e.message });
        emit({ type: 'file-error', path: f.abs, code: e.code, message: e.message });
      }).finally(() => {
        doneFiles++;
        inFlight.delete(p);
        progress();
      });
      inFlight.add(p);
      if (inFlight.size >= limit) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await pool.flush();
    await pool.close();
    pool = undefined;
    if (options.signal?.aborted) throw interrupted();
    await flushIndex();
    progress(true);

    // 7. the snapshot
    const time = clock().toISOString();
    const packIndex = new Map<string, number>();
    const packs: string[] = [];
    const entries: SnapshotEntry[] = [...others];
    let bytes = 0;
    let nFiles = 0;
    for (const f of files) {
      const r = results.get(f.abs);
      if (r === undefined) continue;
      const chunks: ChunkRef[] = r.chunks.map((id) => {
        const loc = index.blobs.get(id);
        if (loc === undefined) throw new ScelleError('INTERNAL', `chunk ${id} of ${f.rel} is not in the index`);
        let pi = packIndex.get(loc.pack);
        if (pi === undefined) {
          pi = packs.length;
          packs.push(loc.pack);
          packIndex.set(loc.pack, pi);
        }
        return [id, pi, loc.offset, loc.length, loc.rawLength, loc.z];
      });
      entries.push({ path: f.rel, type: 'file', mode: f.mode, mtime: f.mtime, size: r.size, sha256: r.sha256, chunks });
      newCache.entries[f.abs] = r;
      bytes += r.size;
      nFiles++;
    }
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const host = options.owner?.host ?? hostname();
    const doc: SnapshotDoc = {
      scelle: 'backup-snapshot', version: 1, repository: repo.id, time, host, sources: labels, packs, indexes: runIndexes, entries, totals: { files: nFiles, bytes },
    };
    const snapData = encodeSealed('snapshot', run.key, run.ephPub, doc);
    const snapshot = sha256Hex(snapData);
    await writeAll(`snapshots/${snapshot}`, snapData);

    // 8. the seal: signature first, the listing last (the commit point)
    const objects: SealedObject[] = [
      { key: `snapshots/${snapshot}`, sha256: snapshot, size: snapData.length },
      ...packs.map((p) => ({ key: packKey(p), sha256: p, size: index.packs.get(p)! })),
      ...runIndexes.map((n) => ({ key: `index/${n}`, sha256: n, size: -1 })),
    ];
    for (const o of objects) if (o.size < 0) o.size = (await active[0]!.stat(o.key))?.size ?? 0;
    const text = formatSeal({ repository: repo.id, snapshot, time, host, files: nFiles, bytes, sources: labels.map((l) => l.path), objects });
    let signed = false;
    let timestamped = false;
    if (options.seal !== undefined) {
      const sig = await signSeal(text, options.seal);
      signed = true;
      timestamped = options.seal.timestamp !== undefined;
      await writeAll(sealSignatureKey(snapshot), sig);
    }
    await writeAll(sealKey(snapshot), Buffer.from(text, 'utf8'));

    // 9. local state
    if (options.stateDir !== undefined) {
      await writeFileAtomic(join(options.stateDir, FILES_CACHE), JSON.stringify(newCache), { mode: 0o600 });
      await updateState(options.stateDir, (s) => {
        for (const t of active) s.targets[t.info.name] = { ...s.targets[t.info.name], lastSnapshot: snapshot, lastSnapshotTime: time, lastWrite: time };
        for (const o of outcomes.values()) if (o.status === 'offline') s.targets[o.name] = { ...s.targets[o.name], lastOffline: time };
      });
    }
    for (const t of active) outcomes.set(t.info.name, { name: t.info.name, media: t.info.media, status: 'written', ...(caughtUpCounts.get(t.info.name) ? { caughtUp: caughtUpCounts.get(t.info.name)! } : {}) });
    return {
      snapshot, time, files: nFiles, bytes, newBytes, newPacks, filesRead, fileErrors,
      targets: options.targets.map((t) => outcomes.get(t.info.name)!),
      seal: { signed, timestamped, objects: objects.length },
      durationMs: Date.now() - started,
    };
  } finally {
    clearInterval(refresher);
    if (pool !== undefined) await pool.close().catch(() => undefined);
    for (const l of locks) await l.release().catch(() => undefined);
    if (localLock !== undefined) await localLock();
  }
}

const caughtUpCounts = new Map<string, number>();

/** Copies to each target what another reachable target has and it lacks (locks excepted). */
async function catchUp(active: Destination[], emit: (e: BackupEvent) => void, failTarget: (t: Destination, e: unknown) => void, signal?: AbortSignal): Promise<void> {
  caughtUpCounts.clear();
  if (active.length < 2) return;
  const have = new Map<Destination, Map<string, number>>();
  for (const t of [...active]) {
    try {
      const m = new Map<string, number>();
      for await (const o of t.list('')) if (!o.key.startsWith('locks/')) m.set(o.key, o.size);
      have.set(t, m);
    } catch (e) {
      failTarget(t, e);
    }
  }
  const union = new Map<string, Destination>();
  for (const [t, m] of have) for (const k of m.keys()) if (!union.has(k) && rank(k) >= 0) union.set(k, t);
  const keys = [...union.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  for (const t of [...have.keys()]) {
    const mine = have.get(t)!;
    const missing = keys.filter((k) => !mine.has(k));
    if (missing.length === 0) continue;
    let bytes = 0;
    try {
      for (const k of missing) {
        if (signal?.aborted) throw interrupted();
        const src = union.get(k)!;
        const contentAddressed = k.startsWith('data/') || k.startsWith('index/') || k.startsWith('snapshots/');
        const data = contentAddressed ? await getVerified(src, k) : await src.get(k);
        await t.put(k, data);
        bytes += data.length;
      }
      caughtUpCounts.set(t.info.name, missing.length);
      emit({ type: 'catch-up', target: t.info.name, objects: missing.length, bytes });
    } catch (e) {
      if (isScelleError(e, 'INTERRUPTED')) throw e;
      failTarget(t, e);
    }
  }
}

async function readJournal(stateDir: string): Promise<IndexDoc['packs']> {
  let text: string;
  try {
    text = await readFile(join(stateDir, JOURNAL), 'utf8');
  } catch {
    return [];
  }
  const out: IndexDoc['packs'] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const p = JSON.parse(line) as { name: string; size: number; blobs: BlobEntry[] };
      if (/^[0-9a-f]{64}$/.test(p.name) && Array.isArray(p.blobs)) out.push(p);
    } catch {
      // a line torn by a crash: that pack is simply not reused
    }
  }
  return out;
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

/**
 * The local lock (`<stateDir>/lock`): one run per setup on this machine. A lock left by a dead
 * process (same host) is taken over.
 */
async function takeLocalLock(stateDir: string, owner?: LockOwner): Promise<() => Promise<void>> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, 'lock');
  const me = { host: owner?.host ?? hostname(), pid: owner?.pid ?? -1 };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const h = await open(path, 'wx', 0o600);
      await h.writeFile(JSON.stringify(me));
      await h.close();
      return async () => { await rm(path, { force: true }); };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ScelleError('IO_ERROR', `cannot create the lock ${path}: ${(e as Error).message}`, { cause: e, params: { file: path } });
      let other: { host?: string; pid?: number } = {};
      try {
        other = JSON.parse(await readFile(path, 'utf8')) as typeof other;
      } catch {
        // torn: stale
      }
      const alive = other.pid !== undefined && other.pid > 0 && other.host === me.host && (owner?.isAlive?.(other.pid) ?? true);
      if (alive && other.pid !== me.pid) {
        throw new ScelleError('LOCKED', `another backup command (process ${other.pid}) is running on this machine`, { params: { pid: other.pid ?? 0, host: other.host ?? '' }, hint: 'wait for it to finish' });
      }
      await rm(path, { force: true });
    }
  }
  throw new ScelleError('LOCKED', `cannot take the lock ${path}`);
}

