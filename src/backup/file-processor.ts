/**
 * The data path of a backup run: read a file, cut it into chunks (chunker.ts), name each chunk
 * (HMAC of its SHA-256), compress and encrypt the new ones into sealed boxes, and gather them into
 * pack objects of a few MiB named by the SHA-256 of their bytes. Runs in a worker thread
 * (chunk-worker.ts) or, when workers are not available, in the caller's thread.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { ScelleError } from '../errors.js';
import { Chunker, gearTable, type ChunkerParams } from './chunker.js';
import { compressChunkParts } from './compress.js';
import { BOX_OVERHEAD, headerLength, objectHeader, sealBoxInto } from './envelope.js';
import { chunkId } from './keys.js';
import { releaseBuffersEvery } from '../io/memory.js';

/** One blob in a pack: id (hex), offset, stored length (box), plaintext length, compression. */
export type BlobEntry = [id: string, offset: number, length: number, rawLength: number, z: number];

/** A finished pack. */
export interface PackOut {
  /** SHA-256 of `data`, hex. */
  name: string;
  data: Uint8Array;
  blobs: BlobEntry[];
}

/** What a file became. */
export interface FileOut {
  size: number;
  sha256: string;
  /** Chunk ids in order. */
  chunks: string[];
  /** Bytes of new (not deduplicated) chunks. */
  newBytes: number;
}

/** What a processor needs (plain data: it crosses to a worker). */
export interface ProcessorInit {
  runKey: Uint8Array;
  ephPub: Uint8Array;
  idKey: Uint8Array;
  gearSeed: Uint8Array;
  chunker: ChunkerParams;
  packSize: number;
  /** Ids already in the repository. */
  known: string[];
  level?: number;
}

export class FileProcessor {
  readonly #init: ProcessorInit;
  readonly #chunker: Chunker;
  readonly #known: Set<string>;
  readonly #emit: (p: PackOut) => Promise<void> | void;
  readonly #release: (bytes: number) => void;
  #buf: Buffer;
  /**
   * The pack being filled: sized for packSize plus two average chunks (grown for a larger one),
   * boxes are sealed straight into it and it is transferred as is (no pack-sized copy).
   */
  #pack: Buffer | undefined;
  #packHash: Hash | undefined;
  #packBytes = 0;
  /** Pack buffers handed back once written ({@link recycle}), to fill again. */
  readonly #spare: ArrayBuffer[] = [];
  #blobs: BlobEntry[] = [];

  /**
   * `release` is told the bytes of each chunk processed (src/io/memory.ts: it collects the dead
   * compression and cipher buffers every few MiB when `gc` is exposed).
   */
  constructor(init: ProcessorInit, emit: (p: PackOut) => Promise<void> | void, release: (bytes: number) => void = releaseBuffersEvery()) {
    this.#init = init;
    this.#release = release;
    this.#chunker = new Chunker(gearTable(init.gearSeed), init.chunker);
    this.#known = new Set(init.known);
    this.#emit = emit;
    this.#buf = this.#chunker.readBuffer(init.chunker.max + Math.max(init.chunker.min, 1024 * 1024));
  }

  /**
   * Backs up one file. `onBytes` reports progress.
   * @throws ScelleError IO_ERROR when the file cannot be read.
   */
  async processFile(path: string, onBytes?: (n: number) => void): Promise<FileOut> {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new ScelleError('IO_ERROR', `cannot read ${path}: ${(e as Error).message}`, { cause: e, params: { file: path } });
    }
    try {
      const buf = this.#buf;
      let have = 0;
      let eof = false;
      let size = 0;
      const chunks: string[] = [];
      let newBytes = 0;
      const fileHash = createHash('sha256');
      let single: Buffer | undefined;
      let count = 0;
      for (;;) {
        while (!eof && have < buf.length) {
          const n = readSync(fd, buf, have, buf.length - have, null);
          if (n === 0) eof = true;
          have += n;
          size += n;
          if (have >= this.#init.chunker.max) break;
        }
        let p = 0;
        while (p < have) {
          const len = this.#chunker.cut(buf, p, have, eof);
          if (len < 0) break;
          const chunk = buf.subarray(p, p + len);
          const sha = createHash('sha256').update(chunk).digest();
          count++;
          if (count === 1 && eof && p + len === have) single = sha;
          else fileHash.update(chunk);
          const id = chunkId(this.#init.idKey, sha).toString('hex');
          chunks.push(id);
          if (!this.#known.has(id)) {
            this.#known.add(id);
            await this.#add(id, chunk);
            newBytes += len;
            this.#release(len);
          }
          p += len;
          onBytes?.(len);
        }
        if (p > 0 && p < have) buf.copy(buf, 0, p, have);
        have -= p;
        if (eof && have === 0) break;
      }
      const sha256 = single !== undefined ? single.toString('hex') : (count === 0 ? createHash('sha256').digest('hex') : fileHash.digest('hex'));
      return { size, sha256, chunks, newBytes };
    } catch (e) {
      if (e instanceof ScelleError) throw e;
      throw new ScelleError('IO_ERROR', `cannot read ${path}: ${(e as Error).message}`, { cause: e, params: { file: path } });
    } finally {
      closeSync(fd);
    }
  }

  async #add(id: string, chunk: Uint8Array): Promise<void> {
    if (this.#pack === undefined) {
      const h = objectHeader('pack', this.#init.ephPub);
      const spare = this.#spare.pop();
      this.#pack = spare !== undefined ? Buffer.from(spare) : Buffer.allocUnsafeSlow(this.#packCapacity());
      h.copy(this.#pack, 0);
      this.#packHash = createHash('sha256').update(h);
      this.#packBytes = h.length;
    }
    const { parts, size, z } = compressChunkParts(chunk, this.#init.level ?? 4);
    const start = this.#packBytes;
    if (start + size + BOX_OVERHEAD > this.#pack.length) {
      // a large chunk: grow (rare; the usual size keeps the transferred buffer, which V8 counts
      // as external memory of the main thread, close to the pack's size)
      const bigger = Buffer.allocUnsafeSlow(start + size + BOX_OVERHEAD);
      this.#pack.copy(bigger, 0, 0, start);
      this.#pack = bigger;
    }
    const n = sealBoxInto(this.#init.runKey, parts, this.#pack, start);
    this.#packHash!.update(this.#pack.subarray(start, start + n));
    this.#blobs.push([id, start, n, chunk.length, z]);
    this.#packBytes += n;
    if (this.#packBytes >= this.#init.packSize) await this.flush();
  }

  /** The usual size of a pack buffer. */
  #packCapacity(): number {
    return this.#init.packSize + headerLength('pack') + 2 * this.#init.chunker.avg + BOX_OVERHEAD;
  }

  /**
   * Takes back the buffer of an emitted pack once it is written and nothing refers to it any
   * more: the next pack is sealed into it. Filling fresh buffers costs a page fault per 4 KiB, and
   * the dead ones wait for a collection (of the thread that received them) to be freed. Two are
   * kept at most; a buffer of another size (a pack grown for a large chunk) is left to the collector.
   */
  recycle(buffer: ArrayBuffer): void {
    if (buffer.byteLength === this.#packCapacity() && this.#spare.length < 2 && !this.#spare.includes(buffer)) this.#spare.push(buffer);
  }

  /** Emits the pack being filled, if any. */
  async flush(): Promise<void> {
    if (this.#blobs.length === 0 || this.#pack === undefined) return;
    const data = this.#pack.subarray(0, this.#packBytes);
    const name = this.#packHash!.digest('hex');
    const blobs = this.#blobs;
    this.#pack = undefined;
    this.#packHash = undefined;
    this.#blobs = [];
    this.#packBytes = 0;
    await this.#emit({ name, data, blobs });
  }
}
