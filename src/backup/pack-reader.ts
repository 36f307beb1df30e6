/**
 * The CPU side of reading a repository: restoring one file from its chunks and checking one pack
 * (restore.ts, check.ts). It runs in a worker thread (read-worker.ts) so that decrypting,
 * decompressing and hashing use every core while the caller's thread reads the next packs, or in
 * the caller's thread when workers are not available. Packs come from a `fetch` callback (the
 * caller reads them from its target); the run key of each ephemeral public key is derived once.
 */
import { closeSync, fchmodSync, futimesSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ScelleError } from '../errors.js';
import { decompressChunk } from './compress.js';
import { headerLength, openBox, readHeader, runKeyFor } from './envelope.js';
import { chunkId } from './keys.js';
import { RELEASE_INTERVAL, releaseBuffersEvery } from '../io/memory.js';
import type { DestinationInfo } from './destination/destination.js';
import type { PackBuffers } from './pack-buffers.js';

/** What a reader needs (plain data: it crosses to a worker). */
export interface ReaderInit {
  /** X25519 private key of the repository (32 bytes). */
  readKey: Uint8Array;
  /** The repository's public key (32 bytes). */
  recipient: Uint8Array;
  /** For checking chunk ids (verify); restore does not need it. */
  idKey?: Uint8Array;
  /** Packs kept in memory (restore), default 4. */
  cacheSize?: number;
  /** A local folder target: a worker opens it again and reads the packs itself. */
  local?: { info: DestinationInfo; root: string };
  /**
   * Bytes of chunks between two forced minor collections. A worker's heap is small and a collection
   * costs little; in the caller's thread (a larger young generation, full of live objects) it costs
   * milliseconds each, so that reader collects far less often.
   */
  gcEveryBytes?: number;
}

/** One chunk of a file to restore: pack name, offset, stored length, plaintext length, compression. */
export type RestoreChunk = [id: string, pack: string, offset: number, length: number, rawLength: number, z: number];

/** A file to restore: written to `tmp`, checked against `sha256`, then renamed to `dest`. */
export interface RestoreJob {
  path: string;
  dest: string;
  tmp: string;
  mode: number;
  mtime: number;
  sha256: string | undefined;
  chunks: RestoreChunk[];
}

/** The outcome of a job (never thrown: a problem is reported per file). */
/** `bug` marks an error that is neither a ScelleError nor a system error (the caller rethrows it). */
export type JobResult = { ok: true } | { ok: false; code: string; message: string; bug?: true };

/** One blob to check in a pack. */
export interface CheckBlob { id: string; offset: number; length: number; rawLength: number; z: number }

/** What checking a pack found. */
export interface PackCheck {
  /** The pack could not be read: the code and message of the error (nothing else is set). */
  error?: { code: string; message: string };
  /** Bytes read. */
  size: number;
  /** SHA-256 of the bytes, hex (compared with the name by the caller). */
  sha256: string;
  /** The header could not be read (message), so no blob was checked. */
  headerError?: string;
  /** Blobs that fail authentication, decompression or their id. */
  bad: number;
}

export function packKeyOf(name: string): string {
  return `data/${name.slice(0, 2)}/${name}`;
}

/** Writes `data` at the file position (a loop: `write` may write less). */
function writeAll(fd: number, data: Uint8Array): void {
  let o = 0;
  while (o < data.length) o += writeSync(fd, data, o, data.length - o);
}

/** A pack in a reader's cache; its buffer goes back to the pool once evicted and not held. */
interface PackSlot {
  bytes: Promise<Uint8Array>;
  value?: Uint8Array;
  holds: number;
  evicted: boolean;
}

export class PackReader {
  readonly #init: ReaderInit;
  readonly #fetch: (name: string) => Promise<Uint8Array>;
  readonly #keys = new Map<string, Buffer>();
  readonly #packs = new Map<string, PackSlot>();
  readonly #release: (bytes: number) => void;
  readonly #buffers: PackBuffers | undefined;

  /**
   * `gc`, when given, is a minor collection run every `init.gcEveryBytes` (default 1 MiB) of
   * chunks: each decrypted chunk is a fresh buffer, and freeing them at once lets the allocator
   * hand the same pages back instead of faulting in new ones (src/io/memory.ts). `buffers`, when
   * given, is where `fetch` takes pack buffers: they are given back when no job needs them.
   */
  constructor(init: ReaderInit, fetch: (name: string) => Promise<Uint8Array>, gc?: () => void, buffers?: PackBuffers) {
    this.#init = init;
    this.#fetch = fetch;
    this.#buffers = buffers;
    const every = init.gcEveryBytes ?? RELEASE_INTERVAL;
    if (gc === undefined) this.#release = releaseBuffersEvery(every);
    else {
      let since = 0;
      this.#release = (n) => {
        since += n;
        if (since < every) return;
        since = 0;
        gc();
      };
    }
  }

  /** The run key of a pack or snapshot (derived once per ephemeral key). */
  runKey(ephPub: Uint8Array): Buffer {
    const k = Buffer.from(ephPub.buffer, ephPub.byteOffset, ephPub.byteLength).toString('hex');
    let key = this.#keys.get(k);
    if (key === undefined) {
      key = runKeyFor(this.#init.readKey, this.#init.recipient, ephPub);
      this.#keys.set(k, key);
    }
    return key;
  }

  /** Gives the buffer of an evicted pack back once no job holds it. */
  #recycle(slot: PackSlot): void {
    if (!slot.evicted || slot.holds > 0 || slot.value === undefined) return;
    this.#buffers?.give(slot.value);
    slot.value = undefined;
  }

  /** The cache slot of a pack (read if absent), most recently used; `hold` keeps its buffer. */
  #slot(name: string, hold: boolean): PackSlot {
    let slot = this.#packs.get(name);
    if (slot !== undefined) this.#packs.delete(name);
    else {
      const s: PackSlot = { bytes: this.#fetch(name), holds: 0, evicted: false };
      s.bytes.then((b) => {
        s.value = b;
        this.#recycle(s);
      }, () => {
        if (this.#packs.get(name) === s) this.#packs.delete(name);
      });
      slot = s;
    }
    this.#packs.set(name, slot);
    if (hold) slot.holds++;
    if (this.#packs.size > (this.#init.cacheSize ?? 4)) {
      const [oldest, old] = this.#packs.entries().next().value!;
      this.#packs.delete(oldest);
      old.evicted = true;
      this.#recycle(old);
    }
    return slot;
  }

  #unhold(slot: PackSlot): void {
    slot.holds--;
    this.#recycle(slot);
  }

  /** Starts reading a pack unless cached. */
  #prefetchPack(name: string): void {
    if (!this.#packs.has(name)) this.#slot(name, false).bytes.catch(() => undefined);
  }

  #sinceYield = 0;
  #yielded = performance.now();

  /**
   * Lets the thread's event loop run every 2 MiB restored or 2 ms spent. Packs read ahead are
   * already there, so a large file would otherwise be restored from start to end in one go, and a
   * queue of letters restored one after another in microtasks: in the caller's thread that starves
   * the worker, whose next files this thread hands out (a 50 MiB scan left it idle for a fifth of
   * a second; thousands of letters left it idle half the time); in a worker, the files sent
   * meanwhile could not be queued and read ahead.
   */
  async #breathe(bytes: number): Promise<void> {
    this.#sinceYield += bytes;
    if (this.#sinceYield < 2 * 1024 * 1024 && performance.now() - this.#yielded < 2) return;
    this.#sinceYield = 0;
    await new Promise<void>((r) => setImmediate(r));
    this.#yielded = performance.now();
  }

  readonly #queue: { job: RestoreJob; done: (r: JobResult) => void }[] = [];
  #running = false;

  /**
   * Restores a file after the ones queued before it. While a job runs, the first pack that a
   * queued job needs and the running one does not is read ahead: one pack, not the packs of every
   * queued job (a few dozen letters queued from as many packs would evict each other's packs
   * before use, read them twice and leave their buffers to the collector).
   */
  restore(job: RestoreJob): Promise<JobResult> {
    return new Promise((done) => {
      this.#queue.push({ job, done });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    for (let q = this.#queue.shift(); q !== undefined; q = this.#queue.shift()) {
      const mine = new Set(q.job.chunks.map((c) => c[1]));
      // its first pack becomes the most recently used before another is read: never evicted by it
      const first = q.job.chunks[0]?.[1];
      if (first !== undefined) this.#slot(first, false).bytes.catch(() => undefined);
      const ahead = this.#queue.find((n) => n.job.chunks[0] !== undefined && !mine.has(n.job.chunks[0][1]))?.job.chunks[0]?.[1];
      if (ahead !== undefined) this.#prefetchPack(ahead);
      q.done(await this.restoreFile(q.job).catch((e: unknown) => ({ ok: false as const, code: 'IO_ERROR', message: `${q.job.path}: ${(e as Error).message}` })));
      await this.#breathe(0);
    }
    this.#running = false;
  }

  /** Restores one file: every chunk authenticated, the whole file checked against its SHA-256. */
  async restoreFile(job: RestoreJob): Promise<JobResult> {
    let fd: number | undefined;
    try {
      fd = openSync(job.tmp, 'w', 0o600);
      const hash = createHash('sha256');
      let last = '';
      for (let i = 0; i < job.chunks.length; i++) {
        const [id, pack, offset, length, rawLength, z] = job.chunks[i]!;
        const key = packKeyOf(pack);
        const slot = this.#slot(pack, true);
        try {
          const bytes = await slot.bytes;
          if (pack !== last) {
            // a large file: read its next pack while this one is decrypted
            last = pack;
            const next = job.chunks.find((c, j) => j > i && c[1] !== pack)?.[1];
            if (next !== undefined) this.#prefetchPack(next);
          }
          if (offset < headerLength('pack') || offset + length > bytes.length) throw new ScelleError('OBJECT_CORRUPT', `${key} is shorter than the snapshot says: the object is corrupted`, { params: { object: key } });
          const runKey = this.runKey(readHeader('pack', bytes, key)!);
          const plain = decompressChunk(openBox(runKey, bytes.subarray(offset, offset + length), `${key} (chunk ${id.slice(0, 12)})`), z, rawLength);
          hash.update(plain);
          writeAll(fd, plain);
          this.#release(length + plain.length);
        } finally {
          this.#unhold(slot);
        }
        await this.#breathe(rawLength);
      }
      fchmodSync(fd, job.mode & 0o777);
      futimesSync(fd, job.mtime / 1000, job.mtime / 1000);
      closeSync(fd);
      fd = undefined;
      const sha = hash.digest('hex');
      if (sha !== job.sha256) throw new ScelleError('OBJECT_CORRUPT', `${job.path} restored with SHA-256 ${sha.slice(0, 16)}…, the snapshot says ${job.sha256?.slice(0, 16)}…`, { params: { file: job.path } });
      renameSync(job.tmp, job.dest);
      return { ok: true };
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      rmSync(job.tmp, { force: true });
      if (e instanceof ScelleError) return { ok: false, code: e.code, message: e.message };
      const bug = (e as NodeJS.ErrnoException).code === undefined;
      return { ok: false, code: 'IO_ERROR', message: `${job.path}: ${(e as Error).message}`, ...(bug ? { bug: true as const } : {}) };
    }
  }

  /**
   * Checks a pack: its SHA-256, and every blob decrypted, authenticated and checked against its id.
   * `given`: its bytes, or their read already under way (else the pack is fetched).
   */
  async checkPack(name: string, given: Uint8Array | Promise<Uint8Array> | undefined, blobs: CheckBlob[]): Promise<PackCheck> {
    let bytes: Uint8Array;
    try {
      bytes = await (given ?? this.#fetch(name));
    } catch (e) {
      return { error: { code: (e as { code?: string }).code ?? 'OBJECT_MISSING', message: (e as Error).message }, size: 0, sha256: '', bad: 0 };
    }
    try {
      return this.#check(name, bytes, blobs);
    } finally {
      // nothing refers to the pack any more (every chunk was decrypted into a buffer of its own)
      this.#buffers?.give(bytes);
    }
  }

  #check(name: string, bytes: Uint8Array, blobs: CheckBlob[]): PackCheck {
    const size = bytes.length;
    // hashed here, in one pass over the bytes already in the cache (WebCrypto's digest would copy
    // the pack first); the pool's readers keep the cores busy
    const digest = createHash('sha256').update(bytes).digest('hex');
    const key = packKeyOf(name);
    let runKey: Buffer;
    try {
      runKey = this.runKey(readHeader('pack', bytes, key)!);
    } catch (e) {
      return { size, sha256: digest, headerError: (e as Error).message, bad: 0 };
    }
    const idKey = this.#init.idKey!;
    let bad = 0;
    for (const b of blobs) {
      try {
        if (b.offset < headerLength('pack') || b.offset + b.length > bytes.length) throw new ScelleError('OBJECT_CORRUPT', 'outside the pack');
        const plain = decompressChunk(openBox(runKey, bytes.subarray(b.offset, b.offset + b.length), `${key} chunk ${b.id.slice(0, 12)}`), b.z, b.rawLength);
        if (plain.length !== b.rawLength || chunkId(idKey, createHash('sha256').update(plain).digest()).toString('hex') !== b.id) throw new ScelleError('OBJECT_CORRUPT', 'content does not match its id');
      } catch {
        bad++;
      }
      this.#release(b.length + b.rawLength);
    }
    return { size, sha256: digest, bad };
  }
}
