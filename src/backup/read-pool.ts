/**
 * A pool of {@link PackReader}s for restore and verify: worker threads (read-worker.ts) and, on a
 * machine with two cores or more, one more reader in this thread. A worker costs ~40 MiB of
 * resident memory more than a reader here, and this thread is mostly idle otherwise: one worker
 * plus this thread keeps both cores of a small practice computer busy within the memory budget.
 * This thread also keeps the I/O of remote destinations: it reads the packs a worker asks for and
 * transfers their bytes; a local folder is read by the workers themselves.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { ScelleError } from '../errors.js';
import type { FromReader, ToReader } from './read-worker.js';
import type { Destination } from './destination/destination.js';
import { LocalDestination } from './destination/local.js';
import { PackBuffers, readLocalPack } from './pack-buffers.js';
import { PackReader, packKeyOf, type CheckBlob, type JobResult, type PackCheck, type ReaderInit, type RestoreJob } from './pack-reader.js';

export interface ReadPool {
  /** Number of readers (restore jobs name one, so that a pack is read by one reader). */
  readonly size: number;
  /** Restores a file on reader `n` (jobs of one reader run in order). */
  restore(n: number, job: RestoreJob): Promise<JobResult>;
  /** Reads and checks a pack on the least busy reader. */
  check(name: string, blobs: CheckBlob[]): Promise<PackCheck>;
  close(): Promise<void>;
}

/** Readers of a pool: worker threads, and whether this thread reads too. */
export interface PoolShape {
  workers: number;
  inThread: boolean;
}

/** One worker; this thread reads too when there is a second core. */
export function defaultReaders(): PoolShape {
  const cores = availableParallelism();
  return { workers: cores >= 6 ? 2 : 1, inThread: cores >= 2 };
}

function workerUrl(): URL | undefined {
  // under a TypeScript runner (vitest) the module is .ts and cannot start a worker
  return import.meta.url.endsWith('.ts') ? undefined : new URL('./read-worker.js', import.meta.url);
}

/** A reader worker, with a small young generation: pack and chunk buffers are external memory, freed when V8 collects. */
function newWorker(url: URL): Worker {
  return new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: 8 } });
}

/** Workers started ahead of their pool ({@link prewarmReadPool}), not keeping the process alive. */
const spares: Worker[] = [];

/**
 * Starts the workers of a coming restore or verify now: a worker takes ~0.3 s of a core to start
 * (Node's own modules compile again in each thread), which the command can spend deriving the key
 * from the passphrase (scrypt, one core for ~0.5 s) instead of after it. A spare that is never used
 * does not keep the process alive. Does nothing where workers are not available.
 */
export function prewarmReadPool(shape: PoolShape = defaultReaders()): void {
  const url = workerUrl();
  if (url === undefined) return;
  while (spares.length < shape.workers) {
    const w = newWorker(url);
    w.unref();
    w.on('error', () => undefined);
    w.once('exit', () => {
      const i = spares.indexOf(w);
      if (i >= 0) spares.splice(i, 1);
    });
    spares.push(w);
  }
}

/** A spare worker, or a new one. */
function takeWorker(url: URL): Worker {
  const w = spares.shift();
  if (w === undefined) return newWorker(url);
  w.ref();
  return w;
}

/** `bytes` as an ArrayBuffer of its own (to transfer it). */
function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : new Uint8Array(bytes);
}

/** The reader settings for destination `d`: a local folder is read by the workers themselves. */
export function readerSource(d: Destination): Pick<ReaderInit, 'local'> {
  return d instanceof LocalDestination ? { local: { info: d.info, root: d.root } } : {};
}

/** A reader of the pool: a worker, or this thread. */
interface Reader {
  busy: number;
  restore(job: RestoreJob): Promise<JobResult>;
  check(name: string, blobs: CheckBlob[]): Promise<PackCheck>;
  close(): Promise<void>;
}

/** A reader in this thread (jobs one at a time: the reader reuses its state). */
function threadReader(init: ReaderInit, fetch: (name: string) => Promise<Uint8Array>): Reader {
  const cacheSize = 3;
  const buffers = new PackBuffers(2);
  const local = init.local === undefined ? undefined : new LocalDestination(init.local.info, init.local.root);
  const read = local === undefined ? fetch : (name: string) => readLocalPack(local, packKeyOf(name), buffers);
  const reader = new PackReader({ ...init, cacheSize, gcEveryBytes: 8 * 1024 * 1024 }, read, undefined, buffers);
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const r = queue.then(f, f);
    queue = r.catch(() => undefined);
    return r;
  };
  const self: Reader = {
    busy: 0,
    restore: (job) => reader.restore(job), // the reader runs its restore jobs in order
    check: (name, blobs) => {
      self.busy++;
      // read now, checked in turn: the read of a queued pack overlaps the check of the one before
      // (this thread would otherwise wait for each read, then check, then wait again)
      const bytes = read(name);
      bytes.catch(() => undefined);
      // the event loop runs before each check: with the reads done ahead, checks would follow one
      // another in microtasks, and the worker's results (and its next packs) wait for all of them
      return serial(async () => {
        await new Promise<void>((r) => setImmediate(r));
        return reader.checkPack(name, bytes, blobs);
      }).finally(() => { self.busy--; });
    },
    close: async () => undefined,
  };
  return self;
}

/** A worker reader; `fetch` serves the packs it asks for (when it does not read them itself). */
function workerReader(url: URL, init: ReaderInit, fetch: (name: string) => Promise<Uint8Array>): Reader {
  const worker = takeWorker(url);
  const pending = new Map<number, { res: (r: never) => void; rej: (e: unknown) => void }>();
  let seq = 0;
  let fatal: unknown;
  worker.on('message', (m: FromReader) => {
    if (m.type === 'need') {
      fetch(m.name).then((b) => {
        const bytes = owned(b);
        worker.postMessage({ type: 'pack', name: m.name, bytes } satisfies ToReader, [bytes.buffer as ArrayBuffer]);
      }, (e: unknown) => {
        worker.postMessage({ type: 'pack-error', name: m.name, code: (e as ScelleError).code ?? 'TARGET_ERROR', message: (e as Error).message } satisfies ToReader);
      });
      return;
    }
    const p = pending.get(m.seq);
    pending.delete(m.seq);
    self.busy--;
    p?.res(m.result as never);
  });
  const fail = (e: unknown): void => {
    fatal ??= e;
    for (const p of pending.values()) p.rej(e);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', () => fail(new ScelleError('INTERNAL', 'a restore worker stopped unexpectedly')));
  // three packs cached: the one being restored, the next of a large file, the next a queued file needs
  worker.postMessage({ type: 'init', init: { cacheSize: 3, ...init, gcEveryBytes: 4 * 1024 * 1024 } } satisfies ToReader);
  const call = <T>(msg: ToReader, transfer: ArrayBuffer[] = []): Promise<T> => {
    if (fatal !== undefined) return Promise.reject(fatal);
    self.busy++;
    return new Promise<T>((res, rej) => {
      pending.set((msg as { seq: number }).seq, { res: res as (r: never) => void, rej });
      worker.postMessage(msg, transfer);
    });
  };
  const self: Reader = {
    busy: 0,
    restore: (job) => call<JobResult>({ type: 'restore', seq: seq++, job }),
    check: async (name, blobs) => {
      if (init.local !== undefined) return call<PackCheck>({ type: 'check', seq: seq++, name, blobs });
      self.busy++;
      const bytes = owned(await fetch(name).finally(() => { self.busy--; }));
      return call<PackCheck>({ type: 'check', seq: seq++, name, bytes, blobs }, [bytes.buffer as ArrayBuffer]);
    },
    close: async () => {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
  return self;
}

/**
 * Starts a pool; `fetch` returns the bytes of a pack by name (from the caller's destination,
 * unless `init.local` lets the readers read it).
 */
export function startReadPool(init: ReaderInit, fetch: (name: string) => Promise<Uint8Array>, shape: PoolShape = defaultReaders()): ReadPool {
  const url = workerUrl();
  const readers: Reader[] = [];
  if (url !== undefined) for (let i = 0; i < shape.workers; i++) readers.push(workerReader(url, init, fetch));
  if (readers.length === 0 || shape.inThread) readers.push(threadReader(init, fetch));
  return {
    size: readers.length,
    restore: (n, job) => readers[n % readers.length]!.restore(job),
    check: (name, blobs) => readers.reduce((a, c) => (c.busy < a.busy ? c : a)).check(name, blobs),
    close: async () => { await Promise.all(readers.map((r) => r.close())); },
  };
}
