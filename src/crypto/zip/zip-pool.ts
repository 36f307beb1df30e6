/**
 * Worker threads for zip entries, so that every core derives keys, encrypts or decrypts,
 * deflates or inflates and hashes (PBKDF2 alone is ~0.8 ms per entry: a folder of letters is
 * thousands of them). Under a TypeScript runner (tests), or with `workers: 0`, the same jobs run
 * in the caller's thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EntryReader } from './entry-reader.js';
import type { ScelleError } from '../../errors.js';
import {
  decodeEntry, encodeFile, errorData, errorFromData, renameAll,
  type DecodeJob, type DecodeResult, type EncodeJob, type EncodeResult,
} from './entry-jobs.js';
import type { FromZipWorker, Outcome, ToZipWorker, ZipWorkerData } from './zip-worker.js';

export type { Outcome } from './zip-worker.js';

/** Default number of workers: one per core, at most 4. */
export function defaultZipWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

function workerUrl(): URL | undefined {
  // under a TypeScript runner (vitest) the module is .ts and cannot start a worker
  return import.meta.url.endsWith('.ts') ? undefined : new URL('./zip-worker.js', import.meta.url);
}

/** Runs entry jobs; see {@link startZipWorkers}. */
export interface ZipWorkers {
  /** Jobs that run at once (callers keep a few times this many in flight). */
  readonly parallel: number;
  /**
   * Reads entries of the archive given at start (`zipPath`), one batch per message (a message per
   * letter cost more than the letter): one outcome per job, in order.
   */
  decode(jobs: DecodeJob[]): Promise<Outcome<DecodeResult>[]>;
  /** Renames temp files into place (one error or null per file). */
  rename(files: { temp: string; path: string }[]): Promise<(ScelleError | null)[]>;
  /** Encodes a small file with the settings given at start (`encode`). */
  encode(job: EncodeJob): Promise<EncodeResult>;
  /**
   * Stops the workers once their jobs are done (each closes its descriptor of the archive); with
   * `abandon`, at once (encode jobs only: their results are not wanted).
   */
  close(options?: { abandon?: boolean }): Promise<void>;
}

/**
 * Starts `workers` threads with `data`; with none available, the jobs run in this thread (`local`
 * reads the archive's entries there).
 */
export function startZipWorkers(data: ZipWorkerData, local: EntryReader | undefined, workers = defaultZipWorkers()): ZipWorkers {
  const url = workerUrl();
  if (workers <= 0 || url === undefined) {
    // One job at a time, as in a worker: the reader's and the encoder's buffers are reused.
    let queue: Promise<unknown> = Promise.resolve();
    const scratch = {};
    const serial = <R>(job: () => Promise<R> | R): Promise<R> => {
      const r = queue.then(job);
      queue = r.catch(() => undefined);
      return r;
    };
    return {
      parallel: 1,
      decode: (jobs) => serial(async () => {
        const outcomes: Outcome<DecodeResult>[] = [];
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, result: await decodeEntry(local!, data.password, job) });
          } catch (e) {
            outcomes.push({ ok: false, error: errorData(e) });
          }
        }
        return outcomes;
      }),
      rename: async (files) => renameAll(files).map((e) => (e === null ? null : errorFromData(e))),
      encode: (job) => serial(() => encodeFile(job, data.encode!, scratch)),
      close: async () => undefined,
    };
  }
  interface W { worker: Worker; busy: number }
  const pending = new Map<number, { resolve: (r: never) => void; reject: (e: unknown) => void }>();
  const pool: W[] = [];
  let next = 0;
  let dead: Error | undefined;
  for (let i = 0; i < workers; i++) {
    const w: W = { worker: new Worker(url, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 16 } }), busy: 0 };
    w.worker.on('message', (m: FromZipWorker) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      w.busy--;
      if (m.type === 'failed') p?.reject(errorFromData(m.error));
      else if (m.type === 'decoded') p?.resolve(m.outcomes as never);
      else if (m.type === 'renamed') p?.resolve(m.errors.map((e) => (e === null ? null : errorFromData(e))) as never);
      else p?.resolve(m.result as never);
    });
    w.worker.on('error', (e) => {
      dead ??= e;
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    });
    pool.push(w);
  }
  const send = <R>(message: (id: number) => ToZipWorker): Promise<R> => {
    if (dead !== undefined) return Promise.reject(dead);
    const w = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
    w.busy++;
    const id = next++;
    return new Promise<R>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (r: never) => void, reject });
      w.worker.postMessage(message(id));
    });
  };
  return {
    parallel: workers,
    decode: (jobs) => send<Outcome<DecodeResult>[]>((id) => ({ type: 'decode', id, jobs })),
    rename: (files) => send<(ScelleError | null)[]>((id) => ({ type: 'rename', id, files })),
    encode: (job) => send<EncodeResult>((id) => ({ type: 'encode', id, job })),
    async close(options = {}) {
      if (options.abandon === true && data.zipPath === undefined) {
        await Promise.all(pool.map((w) => w.worker.terminate()));
        return;
      }
      await Promise.all(pool.map(async (w) => {
        const exited = new Promise<void>((resolve) => w.worker.once('exit', () => resolve()));
        w.worker.postMessage({ type: 'close' } satisfies ToZipWorker);
        const timer = setTimeout(() => void w.worker.terminate(), 2000);
        await exited;
        clearTimeout(timer);
      }));
    },
  };
}
