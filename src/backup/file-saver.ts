/**
 * The file saver of a backup run (restic's `file_saver.go`): files go to {@link FileProcessor}s
 * on worker threads (chunk-worker.ts), one per core, which cut, name, compress, encrypt and pack
 * them; finished packs come back (their bytes transferred, not copied) to `onPack`, which uploads
 * them, and their buffers go back to the workers once uploaded (`onPack` must not keep the bytes).
 * When workers are not available (under a TypeScript runner) one processor runs in this thread, a
 * file at a time.
 */
import { Worker } from 'node:worker_threads';
import { ScelleError } from '../errors.js';
import { keepLargeBuffersMapped } from '../io/memory.js';
import type { FromWorker, ToWorker } from './chunk-worker.js';
import { FileProcessor, type FileOut, type PackOut, type ProcessorInit } from './file-processor.js';

/** A running saver. */
export interface FileSaver {
  /** Backs up one file; resolves with its size, hash and chunk ids. */
  save(path: string): Promise<FileOut>;
  /** Emits the packs being filled and waits until `onPack` handled every pack. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

function workerUrl(): URL | undefined {
  // under a TypeScript runner (vitest) the module is .ts and cannot start a worker
  return import.meta.url.endsWith('.ts') ? undefined : new URL('./chunk-worker.js', import.meta.url);
}

/** A saver in this thread, one file at a time (the processor reuses its read buffer). */
function inThread(init: ProcessorInit, onPack: (p: PackOut) => Promise<void>, onBytes: (n: number) => void): FileSaver {
  const proc: FileProcessor = new FileProcessor(init, async (p) => {
    await onPack(p);
    proc.recycle(p.data.buffer as ArrayBuffer);
  });
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const r = queue.then(f, f);
    queue = r.catch(() => undefined);
    return r;
  };
  return { save: (p) => serial(() => proc.processFile(p, onBytes)), flush: () => serial(() => proc.flush()), close: async () => undefined };
}

interface SaverWorker {
  worker: Worker;
  busy: number;
  pending: Map<number, { res: (f: FileOut) => void; rej: (e: unknown) => void }>;
  flushed?: () => void;
}

/**
 * Starts a saver with `n` workers (0: in this thread). `onPack` may be slow (an upload): a worker
 * waits for its acknowledgement before it sends a third pack, so memory stays bounded.
 */
export function startFileSaver(init: ProcessorInit, n: number, onPack: (p: PackOut) => Promise<void>, onBytes: (n: number) => void): FileSaver {
  keepLargeBuffersMapped();
  const url = workerUrl();
  if (n <= 0 || url === undefined) return inThread(init, onPack, onBytes);
  const workers: SaverWorker[] = [];
  let seq = 0;
  let fatal: unknown;
  const writing = new Set<Promise<void>>();
  const fail = (w: SaverWorker, e: unknown): void => {
    fatal ??= e;
    for (const p of w.pending.values()) p.rej(e);
    w.pending.clear();
  };
  const onMessage = (w: SaverWorker, m: FromWorker): void => {
    if (m.type === 'pack') {
      const buffer = m.pack.data.buffer as ArrayBuffer;
      const pack = { ...m.pack, data: Buffer.from(buffer, m.pack.data.byteOffset, m.pack.data.byteLength) };
      // once written, nothing refers to the pack: its buffer goes back to be filled again
      const done = onPack(pack).then(() => w.worker.postMessage({ type: 'ack', buffer } satisfies ToWorker, [buffer]), (e: unknown) => fail(w, e)).finally(() => writing.delete(done));
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
  };
  for (let i = 0; i < n; i++) {
    // a small young generation: chunk buffers are external memory, freed only when V8 collects
    const w: SaverWorker = { worker: new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: 8 } }), busy: 0, pending: new Map() };
    w.worker.on('message', (m: FromWorker) => onMessage(w, m));
    w.worker.on('error', (e) => fail(w, e));
    w.worker.postMessage({ type: 'init', init } satisfies ToWorker);
    workers.push(w);
  }
  return {
    save: (path) => {
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
