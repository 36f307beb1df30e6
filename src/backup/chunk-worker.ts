/**
 * Worker thread of a backup run: runs a {@link FileProcessor} on the files the main thread sends,
 * and sends back packs (their bytes transferred, not copied) and per-file results. At most two
 * packs are in flight before it waits for the main thread to acknowledge one (bounded memory); the
 * acknowledgement gives the pack's buffer back, to be filled again.
 */
import { parentPort } from 'node:worker_threads';
import { releaseBuffersEvery } from '../io/memory.js';
import { FileProcessor, type PackOut, type ProcessorInit } from './file-processor.js';

/** Messages to the worker. */
export type ToWorker =
  | { type: 'init'; init: ProcessorInit }
  | { type: 'file'; seq: number; path: string }
  | { type: 'ack'; buffer?: ArrayBuffer }
  | { type: 'flush' };

/** Messages from the worker. */
export type FromWorker =
  | { type: 'pack'; pack: PackOut }
  | { type: 'file'; seq: number; ok: true; size: number; sha256: string; chunks: string[]; newBytes: number }
  | { type: 'file'; seq: number; ok: false; code: string; message: string }
  | { type: 'bytes'; n: number }
  | { type: 'flushed' };

const MAX_IN_FLIGHT = 2;

if (parentPort !== null) {
  const port = parentPort;
  let processor: FileProcessor | undefined;
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  let queue: Promise<void> = Promise.resolve();
  const emit = async (pack: PackOut): Promise<void> => {
    inFlight++;
    const data = pack.data as Buffer;
    port.postMessage({ type: 'pack', pack } satisfies FromWorker, [data.buffer as ArrayBuffer]);
    while (inFlight > MAX_IN_FLIGHT) await new Promise<void>((r) => waiters.push(r));
  };
  let pendingBytes = 0;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'init') {
      processor = new FileProcessor(m.init, emit, releaseBuffersEvery());
    }
    else if (m.type === 'ack') {
      inFlight--;
      if (m.buffer !== undefined) processor?.recycle(m.buffer);
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    } else if (m.type === 'file') {
      queue = queue.then(async () => {
        try {
          const r = await processor!.processFile(m.path, (n) => {
            pendingBytes += n;
            if (pendingBytes >= 1 << 20) {
              port.postMessage({ type: 'bytes', n: pendingBytes } satisfies FromWorker);
              pendingBytes = 0;
            }
          });
          if (pendingBytes > 0) port.postMessage({ type: 'bytes', n: pendingBytes } satisfies FromWorker);
          pendingBytes = 0;
          port.postMessage({ type: 'file', seq: m.seq, ok: true, ...r } satisfies FromWorker);
        } catch (e) {
          const err = e as { code?: string; message?: string };
          port.postMessage({ type: 'file', seq: m.seq, ok: false, code: err.code ?? 'IO_ERROR', message: err.message ?? String(e) } satisfies FromWorker);
        }
      });
    } else if (m.type === 'flush') {
      queue = queue.then(async () => {
        await processor!.flush();
        port.postMessage({ type: 'flushed' } satisfies FromWorker);
      });
    }
  });
}
