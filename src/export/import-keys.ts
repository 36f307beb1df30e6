/**
 * Keys derived ahead. Before the first file of an import is decrypted, this thread parses and
 * vets the central directory, looks at the target folder, checks the password and the manifest:
 * a few hundred milliseconds for a folder of letters, while the worker threads, started at once,
 * would wait. PBKDF2 is a quarter of an import's work (~0.5 ms per entry, and an entry is often a
 * 20 KB letter), so the workers spend that time deriving the keys of the first entries, in the
 * order they will be read; the decode jobs then take them instead of deriving them again.
 *
 * Nothing is written and nothing is trusted: a key is only kept when its entry's password verifier
 * matched, and the entry's MAC is checked with it when it is read, as with a key derived then.
 * An entry whose derivation failed here is simply derived (and its error reported) by its job.
 */
import type { ZipEntry } from '../crypto/zip/entry-reader.js';
import type { WinZipAesKeys } from '../crypto/zip/winzip-aes.js';
import type { ZipWorkers } from '../crypto/zip/zip-pool.js';

/** Entries per message to a worker (~15 ms of work each). */
const BATCH = 32;
/** Batches waiting or running per worker: enough to keep a worker busy while this thread runs a synchronous check. */
const BATCHES_PER_WORKER = 4;

/** Derives keys ahead on the workers until {@link KeysAhead.stop}; see the module comment. */
export class KeysAhead {
  private readonly keys = new Map<number, WinZipAesKeys>();
  private readonly queue: ZipEntry[];
  private stopped = false;

  constructor(entries: readonly ZipEntry[], private readonly workers: ZipWorkers) {
    this.queue = entries.filter((e) => !e.directory && e.aes !== undefined);
    for (let i = 0; i < workers.parallel * BATCHES_PER_WORKER; i++) this.next();
  }

  /** The keys of entry `index` if they are ready (each is handed out once). */
  take(index: number): WinZipAesKeys | undefined {
    const k = this.keys.get(index);
    if (k !== undefined) this.keys.delete(index);
    return k;
  }

  /** No more batches are sent (those sent still deliver their keys). */
  stop(): void {
    this.stopped = true;
  }

  private next(): void {
    if (this.stopped || this.queue.length === 0) return;
    const batch = this.queue.splice(0, BATCH);
    this.workers.derive(batch).then((outcomes) => {
      for (const [i, o] of outcomes.entries()) {
        if (o.ok) this.keys.set(batch[i]!.index, o.result);
        // a wrong password fails every entry: the password check of the import reports it
        else if (o.error.code === 'WRONG_PASSWORD') this.stopped = true;
      }
    }, () => {
      this.stopped = true; // a worker died: the decode jobs report it
    }).finally(() => this.next());
  }
}
