/**
 * Worker thread of restore and verify: runs a {@link PackReader} on the jobs the caller's thread
 * sends. Restore jobs run one after another (each asks the caller's thread for the packs it lacks);
 * pack checks arrive with their bytes (transferred, not copied).
 */
import { parentPort } from 'node:worker_threads';
import { ScelleError, type ErrorCode } from '../errors.js';
import { LocalTarget } from './target/local.js';
import { PackReader, packKeyOf, type CheckBlob, type JobResult, type PackCheck, type ReaderInit, type RestoreJob } from './pack-reader.js';

/** Messages to the worker. */
export type ToReader =
  | { type: 'init'; init: ReaderInit }
  | { type: 'restore'; seq: number; job: RestoreJob }
  | { type: 'check'; seq: number; name: string; bytes?: Uint8Array; blobs: CheckBlob[] }
  | { type: 'pack'; name: string; bytes: Uint8Array }
  | { type: 'pack-error'; name: string; code: string; message: string };

/** Messages from the worker. */
export type FromReader =
  | { type: 'need'; name: string }
  | { type: 'restored'; seq: number; result: JobResult }
  | { type: 'checked'; seq: number; result: PackCheck };

if (parentPort !== null) {
  const port = parentPort;
  let reader: PackReader | undefined;
  const waiting = new Map<string, { res: (b: Uint8Array) => void; rej: (e: unknown) => void }>();
  let local: LocalTarget | undefined;
  const ask = (name: string): Promise<Uint8Array> => new Promise((res, rej) => {
    waiting.set(name, { res, rej });
    port.postMessage({ type: 'need', name } satisfies FromReader);
  });
  const fetch = (name: string): Promise<Uint8Array> => (local !== undefined ? local.get(packKeyOf(name)) : ask(name));
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (m: ToReader) => {
    if (m.type === 'init') {
      if (m.init.local !== undefined) local = new LocalTarget(m.init.local.info, m.init.local.root);
      reader = new PackReader(m.init, fetch);
    }
    else if (m.type === 'pack' || m.type === 'pack-error') {
      const w = waiting.get(m.name);
      waiting.delete(m.name);
      if (m.type === 'pack') w?.res(m.bytes);
      else w?.rej(new ScelleError(m.code as ErrorCode, m.message));
    } else if (m.type === 'restore') {
      reader!.prefetch(m.job);
      queue = queue.then(async () => {
        const result = await reader!.restoreFile(m.job);
        port.postMessage({ type: 'restored', seq: m.seq, result } satisfies FromReader);
      });
    } else if (m.type === 'check') {
      void reader!.checkPack(m.name, m.bytes, m.blobs).then((result) => {
        port.postMessage({ type: 'checked', seq: m.seq, result } satisfies FromReader);
      });
    }
  });
}
