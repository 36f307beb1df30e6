/**
 * A pool of {@link PackReader}s for restore and verify: worker threads (read-worker.ts), or one
 * reader in this thread when workers are not available (under a TypeScript runner) or not wanted.
 * This thread keeps the I/O: it reads the packs a worker asks for from the target and transfers
 * their bytes, so decrypting and hashing on the workers overlap with reading the next packs.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { ScelleError } from '../errors.js';
import type { FromReader, ToReader } from './read-worker.js';
import type { Destination } from './destination/destination.js';
import { LocalDestination } from './destination/local.js';
import { PackReader, type CheckBlob, type JobResult, type PackCheck, type ReaderInit, type RestoreJob } from './pack-reader.js';

export interface ReadPool {
  /** Number of readers (restore jobs name one, so that a pack is read by one reader). */
  readonly size: number;
  /** Restores a file on reader `n` (jobs of one reader run in order). */
  restore(n: number, job: RestoreJob): Promise<JobResult>;
  /** Reads and checks a pack on the least busy reader. */
  check(name: string, blobs: CheckBlob[]): Promise<PackCheck>;
  close(): Promise<void>;
}

/**
 * Default number of worker threads: one, two from four cores. Each worker costs ~50–100 MiB of
 * resident memory (its heap, buffers awaiting collection, its allocator arena) and this thread is
 * mostly idle when the workers read a local folder themselves; one worker already takes the CPU work
 * off this thread, and on two cores a second one measured no faster and 100 MiB larger.
 */
export function defaultReaders(): number {
  return availableParallelism() >= 4 ? 2 : 1;
}

function workerUrl(): URL | undefined {
  // under a TypeScript runner (vitest) the module is .ts and cannot start a worker
  return import.meta.url.endsWith('.ts') ? undefined : new URL('./read-worker.js', import.meta.url);
}

/** `bytes` as an ArrayBuffer of its own (to transfer it). */
function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : new Uint8Array(bytes);
}

/** The reader settings for target `t`: a local folder is read by the workers themselves. */
export function readerSource(t: Destination): Pick<ReaderInit, 'local'> {
  return t instanceof LocalDestination ? { local: { info: t.info, root: t.root } } : {};
}

/**
 * Starts a pool; `fetch` returns the bytes of a pack by name (from the caller's target, unless
 * `init.local` lets the workers read it).
 */
export function startReadPool(init: ReaderInit, fetch: (name: string) => Promise<Uint8Array>, workers = defaultReaders()): ReadPool {
  const url = workerUrl();
  if (workers <= 0 || url === undefined) {
    const reader = new PackReader(init, fetch);
    let queue: Promise<unknown> = Promise.resolve();
    return {
      size: 1,
      restore: (_n, job) => {
        const r = queue.then(() => reader.restoreFile(job));
        queue = r.catch(() => undefined);
        return r;
      },
      check: (name, blobs) => reader.checkPack(name, undefined, blobs),
      close: async () => undefined,
    };
  }
  interface W { worker: Worker; busy: number; pending: Map<number, { res: (r: never) => void; rej: (e: unknown) => void }> }
  const ws: W[] = [];
  let seq = 0;
  let fatal: unknown;
  for (let i = 0; i < workers; i++) {
    // a small young generation: pack and chunk buffers are external memory, freed when V8 collects
    const w: W = { worker: new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: 8 } }), busy: 0, pending: new Map() };
    w.worker.on('message', (m: FromReader) => {
      if (m.type === 'need') {
        fetch(m.name).then((b) => {
          const bytes = owned(b);
          w.worker.postMessage({ type: 'pack', name: m.name, bytes } satisfies ToReader, [bytes.buffer as ArrayBuffer]);
        }, (e: unknown) => {
          w.worker.postMessage({ type: 'pack-error', name: m.name, code: (e as ScelleError).code ?? 'TARGET_ERROR', message: (e as Error).message } satisfies ToReader);
        });
        return;
      }
      const p = w.pending.get(m.seq);
      w.pending.delete(m.seq);
      w.busy--;
      p?.res(m.result as never);
    });
    const fail = (e: unknown): void => {
      fatal ??= e;
      for (const p of w.pending.values()) p.rej(e);
      w.pending.clear();
    };
    w.worker.on('error', fail);
    w.worker.on('exit', () => fail(new ScelleError('INTERNAL', 'a restore worker stopped unexpectedly')));
    w.worker.postMessage({ type: 'init', init } satisfies ToReader);
    ws.push(w);
  }
  const call = <T>(w: W, msg: ToReader, transfer: ArrayBuffer[] = []): Promise<T> => {
    if (fatal !== undefined) return Promise.reject(fatal);
    w.busy++;
    return new Promise<T>((res, rej) => {
      w.pending.set((msg as { seq: number }).seq, { res: res as (r: never) => void, rej });
      w.worker.postMessage(msg, transfer);
    });
  };
  return {
    size: ws.length,
    restore: (n, job) => call<JobResult>(ws[n % ws.length]!, { type: 'restore', seq: seq++, job }),
    check: async (name, blobs) => {
      const w = ws.reduce((a, c) => (c.busy < a.busy ? c : a));
      if (init.local !== undefined) return call<PackCheck>(w, { type: 'check', seq: seq++, name, blobs });
      w.busy++;
      const bytes = owned(await fetch(name).finally(() => w.busy--));
      return call<PackCheck>(w, { type: 'check', seq: seq++, name, bytes, blobs }, [bytes.buffer as ArrayBuffer]);
    },
    close: async () => {
      for (const w of ws) w.worker.removeAllListeners('exit');
      await Promise.all(ws.map((w) => w.worker.terminate()));
    },
  };
}
