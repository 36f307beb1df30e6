/**
 * Worker thread of restore and verify: runs a {@link PackReader} on the jobs the caller's thread
 * sends. Restore jobs run one after another (each asks the caller's thread for the packs it lacks);
 * pack checks arrive with their bytes (transferred, not copied) unless the worker reads a local
 * folder itself, into reused buffers (pack-buffers.ts).
 */
import { parentPort } from 'node:worker_threads';
import { exposedGc } from '../io/memory.js';
import { ScelleError, type ErrorCode } from '../errors.js';
import { LocalDestination } from './destination/local.js';
import { PackBuffers, readLocalPack } from './pack-buffers.js';
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
  let local: LocalDestination | undefined;
  const ask = (name: string): Promise<Uint8Array> => new Promise((res, rej) => {
    waiting.set(name, { res, rej });
    port.postMessage({ type: 'need', name } satisfies FromReader);
  });
  let buffers: PackBuffers | undefined;
  const fetch = (name: string): Promise<Uint8Array> => (local !== undefined ? readLocalPack(local, packKeyOf(name), buffers!) : ask(name));
  port.on('message', (m: ToReader) => {
    if (m.type === 'init') {
      if (m.init.local !== undefined) local = new LocalDestination(m.init.local.info, m.init.local.root);
      const gc = exposedGc();
      buffers = new PackBuffers(2);
      reader = new PackReader(m.init, fetch, gc === undefined ? undefined : () => gc({ type: 'minor' }), buffers);
    }
    else if (m.type === 'pack' || m.type === 'pack-error') {
      const w = waiting.get(m.name);
      waiting.delete(m.name);
      if (m.type === 'pack') w?.res(m.bytes);
      else w?.rej(new ScelleError(m.code as ErrorCode, m.message));
    } else if (m.type === 'restore') {
      void reader!.restore(m.job).then((result) => {
        port.postMessage({ type: 'restored', seq: m.seq, result } satisfies FromReader);
      });
    } else if (m.type === 'check') {
      void reader!.checkPack(m.name, m.bytes, m.blobs).then((result) => {
        port.postMessage({ type: 'checked', seq: m.seq, result } satisfies FromReader);
      });
    }
  });
}
