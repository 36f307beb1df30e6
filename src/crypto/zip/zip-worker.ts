/**
 * Worker thread of the zip pool (zip-pool.ts): reads and checks entries of an archive it opens
 * itself, or encodes small files for the writer — deriving keys synchronously on its own core.
 * Jobs arrive with an id; each answer names it. Nothing here touches a destination but the temp
 * file of a job.
 */
import { closeSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { EntryReader } from './entry-reader.js';
import {
  decodeEntry, encodeFile, errorData, renameAll,
  type DecodeJob, type DecodeResult, type EncodeJob, type EncodeResult, type EncodeSettings, type ErrorData, type ReadScratch,
} from './entry-jobs.js';

/** What a worker is started with. */
export interface ZipWorkerData {
  /** To read: the archive, and where its central directory starts. */
  zipPath?: string;
  centralDirectoryOffset?: number;
  /** The archive's password (read) or the new archive's (encode settings). */
  password?: string;
  /** To write: how entries are encoded. */
  encode?: EncodeSettings;
}

/** Messages to a worker. */
export type ToZipWorker =
  | { type: 'decode'; id: number; jobs: DecodeJob[] }
  | { type: 'encode'; id: number; job: EncodeJob }
  | { type: 'rename'; id: number; files: { temp: string; path: string }[] }
  | { type: 'close' };

/** One job's outcome in a batch. */
export type Outcome<R> = { ok: true; result: R } | { ok: false; error: ErrorData };

/** Messages from a worker. */
export type FromZipWorker =
  | { type: 'decoded'; id: number; outcomes: Outcome<DecodeResult>[] }
  | { type: 'encoded'; id: number; result: EncodeResult }
  | { type: 'renamed'; id: number; errors: (ErrorData | null)[] }
  | { type: 'failed'; id: number; error: ErrorData };

if (parentPort !== null) {
  const port = parentPort;
  const init = workerData as ZipWorkerData;
  let reader: EntryReader | undefined;
  const readerOf = (): EntryReader => {
    reader ??= new EntryReader(openSync(init.zipPath!, 'r'), init.zipPath!, init.centralDirectoryOffset!, { syncKeyDerivation: true });
    return reader;
  };
  // Jobs run one after another: the worker is one core's worth of work.
  let queue: Promise<void> = Promise.resolve();
  const scratch: ReadScratch = {};
  port.on('message', (m: ToZipWorker) => {
    if (m.type === 'close') {
      // The archive's descriptor was opened here: it is closed here, before the thread ends.
      void queue.then(() => {
        if (reader !== undefined) closeSync(reader.descriptor);
        port.close();
      });
      return;
    }
    queue = queue.then(async () => {
      try {
        if (m.type === 'decode') {
          const outcomes: Outcome<DecodeResult>[] = [];
          for (const job of m.jobs) {
            try {
              outcomes.push({ ok: true, result: await decodeEntry(readerOf(), init.password, job) });
            } catch (e) {
              outcomes.push({ ok: false, error: errorData(e) });
            }
          }
          port.postMessage({ type: 'decoded', id: m.id, outcomes } satisfies FromZipWorker);
        } else if (m.type === 'rename') {
          port.postMessage({ type: 'renamed', id: m.id, errors: renameAll(m.files) } satisfies FromZipWorker);
        } else {
          const result = encodeFile(m.job, init.encode!, scratch);
          port.postMessage({ type: 'encoded', id: m.id, result } satisfies FromZipWorker, [result.payload.buffer as ArrayBuffer]);
        }
      } catch (e) {
        port.postMessage({ type: 'failed', id: m.id, error: errorData(e) } satisfies FromZipWorker);
      }
    });
  });
}
