/**
 * Which file an export writes next (export.ts). Small files (up to 4 MiB) are encoded ahead on the
 * worker threads and written in listing order; large files are streamed by the writer on the
 * calling thread (SHA-256, AES, MAC there) while the workers have room to encode ahead, the small
 * ones written in between whenever that room runs out. So the calling thread streams the scans
 * while the workers deflate the documents and derive the letters' keys, instead of each waiting
 * for the other in listing order (measured one core idle for a third of an export). The archive's
 * file order therefore interleaves the large files (docs/FORMAT.md, "USB export" §1).
 *
 * Memory stays bounded: the window counts what is held — a small file's size while it is being
 * encoded, its payload (deflated: often a third of a letter) once encoded — within
 * {@link AHEAD_BYTES} and `ahead` files; it is refilled as each result arrives, not only between
 * two entries. At most {@link LARGE_AHEAD} large files are prepared (their keys derived) ahead.
 */
import { createHash, type Hash } from 'node:crypto';
import { readFileChunks } from '../io/file-chunks.js';
import { SMALL_ENTRY, type PreparedEntry, type ZipWriter } from '../crypto/zip/writer.js';
import type { ZipWorkers } from '../crypto/zip/zip-pool.js';
import type { EncodeResult } from '../crypto/zip/entry-jobs.js';
import type { ExportItem } from './export-list.js';

/** Small files prepared ahead, at most this many bytes in memory. */
export const AHEAD_BYTES = 32 * 1024 * 1024;
/** Large files prepared (keys derived ahead) before their turn, at most. */
const LARGE_AHEAD = 64;

/** A file of the export, on its way to the writer. */
export interface Queued {
  item: ExportItem;
  /** A small file, encoded on a worker. */
  encoded?: Promise<EncodeResult>;
  /** Its result has arrived (it can be written without waiting). */
  ready?: boolean;
  /** Bytes it holds against {@link AHEAD_BYTES}: its size until encoded, then its payload's. */
  reserved?: number;
  /** A large file, streamed by the writer; `hash` sees its plaintext. */
  prepared?: PreparedEntry;
  hash?: Hash;
}

/** The files of `items` (folders are skipped: the caller writes them first), in writing order. */
export class ExportQueue {
  private readonly small: Queued[] = [];
  private readonly large: Queued[] = [];
  // Two cursors over the listing: the small files in order within the window, and the large ones
  // as far ahead as LARGE_AHEAD (a scan listed after 100 MB of documents is ready to stream
  // while they are being encoded).
  private smallCursor = 0;
  private largeCursor = 0;
  private aheadBytes = 0;
  private draining = false;
  private stopped = false;

  constructor(
    private readonly items: readonly ExportItem[],
    private readonly writer: ZipWriter,
    private readonly workers: ZipWorkers,
    /** Small files held ahead at most. */
    private readonly ahead: number,
    /** Sees the plaintext of the large files as it is read (the caller's progress). */
    private readonly onRead: (item: ExportItem, chunk: Uint8Array) => void,
  ) {}

  /** The next file to write (undefined: all were given). */
  next(): Queued | undefined {
    this.fill();
    // A large file whenever the workers still have room to encode ahead (its seconds of work
    // here then overlap theirs, and no scan is left for the end). Once the window is full, every
    // small file ready is written (each frees room that the workers refill at once) until the
    // window is down to half — the workers falling behind — or none is ready; writing just one
    // before the next scan would leave the workers one file's room per scan.
    if (this.aheadBytes >= AHEAD_BYTES || this.small.length >= this.ahead) this.draining = true;
    else if (this.aheadBytes <= AHEAD_BYTES / 2 && this.small.length <= this.ahead / 2) this.draining = false;
    return this.large.length > 0 && !(this.draining && this.small[0]?.ready === true) ? this.large.shift() : this.small.shift();
  }

  /** A small file was written: the bytes it held are free. */
  written(q: Queued): void {
    this.aheadBytes -= q.reserved ?? 0;
    delete q.reserved;
  }

  /** After a failure: results still arriving start nothing more. */
  stop(): void {
    this.stopped = true;
  }

  private fill(): void {
    while (!this.stopped && this.large.length < LARGE_AHEAD && this.largeCursor < this.items.length) {
      const item = this.items[this.largeCursor++]!;
      if (isLarge(item)) this.large.push(this.prepareLarge(item));
    }
    while (!this.stopped && this.small.length < this.ahead && this.aheadBytes < AHEAD_BYTES && this.smallCursor < this.items.length) {
      const item = this.items[this.smallCursor++]!;
      if (!item.directory && !isLarge(item)) this.small.push(this.encodeAhead(item));
    }
  }

  private encodeAhead(item: ExportItem): Queued {
    const q: Queued = { item, reserved: item.size, encoded: this.workers.encode({ path: item.path, maxBytes: 2 * SMALL_ENTRY }) };
    this.aheadBytes += item.size;
    // Attached first: runs before the writing loop sees the result.
    q.encoded!.then((r) => {
      q.ready = true;
      if (q.reserved === undefined) return;
      this.aheadBytes += r.payload.byteLength - q.reserved;
      q.reserved = r.payload.byteLength;
      this.fill();
    }, () => {
      q.ready = true;
    });
    return q;
  }

  private prepareLarge(item: ExportItem): Queued {
    const hash = createHash('sha256');
    const tap = (c: Uint8Array): void => {
      hash.update(c);
      this.onRead(item, c);
    };
    return { item, hash, prepared: this.writer.prepareFile({ name: item.name, mtime: item.mtime, unixMode: item.mode }, () => readFileChunks(item.path), item.size, tap, { ownChunks: true }) };
  }
}

function isLarge(item: ExportItem): boolean {
  return !item.directory && item.size > SMALL_ENTRY;
}
