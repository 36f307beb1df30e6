/**
 * Reading one entry's data (PKWARE APPNOTE 6.3.10, WinZip AE-1/AE-2): the local header checked
 * against the central directory, the password verifier, then the plaintext as it is decrypted and
 * inflated — with every check on the actual bytes: sizes and ratios while inflating, the MAC (AES),
 * the CRC-32 (AE-1 and plain entries) and the declared size after the last byte.
 *
 * An {@link EntryReader} needs only a descriptor of the zip and where its central directory
 * starts, so a worker thread can read entries of an archive opened elsewhere ({@link ZipReader}).
 */
import { readSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';
import { ScelleError } from '../../errors.js';
import { fsError } from '../../io/fs-errors.js';
import { inflateChunks } from './deflate.js';
import { FLAG, LeReader, METHOD, SIG, malformedZip } from './format.js';
import { WINZIP_AES, WinZipAesDecryptor, deriveWinZipAesKeys, deriveWinZipAesKeysSync, verifierMatches, type AesStrength, type AesVersion, type WinZipAesKeys } from './winzip-aes.js';

/** One entry of the central directory. */
export interface ZipEntry {
  /** Index in the central directory. */
  index: number;
  /** The name, decoded (UTF-8 when flagged or given by a 0x7075 extra, else CP437). */
  name: string;
  /** The real compression method: 0 stored, 8 deflate (others are refused on read). */
  method: number;
  /** WinZip AES parameters when the entry is AES-encrypted. */
  aes?: { version: AesVersion; strength: AesStrength };
  /** Bit 0 of the flags: encrypted (AES or, refused, ZipCrypto). */
  encrypted: boolean;
  /** Size of the stored data (for AES: salt, verifier, ciphertext and MAC). */
  compressedSize: number;
  /** Declared uncompressed size (checked against the actual bytes). */
  size: number;
  crc32: number;
  localHeaderOffset: number;
  /** From the 0x5455 extra when present (UTC), else the MS-DOS time (local time). */
  mtime: Date;
  directory: boolean;
  /** Unix mode from the external attributes (when the high half is set). */
  unixMode?: number;
  symlink: boolean;
  flags: number;
  /** The stored method field (99 for AES). */
  storedMethod: number;
  /**
   * The name's bytes as stored in the central directory, when they are not simply the UTF-8 of
   * `name` (CP437 names, Info-ZIP Unicode path): kept to compare with the local header.
   */
  rawName?: Uint8Array;
}

/** Limits and counters for {@link ZipReader.readEntry}. */
export interface ReadEntryOptions {
  /** The password of AES entries. */
  password?: string;
  /** Ratio cap: plaintext / stored bytes (default 1000) … */
  maxRatio?: number;
  /** … beyond this many plaintext bytes per entry (default 1 MiB). */
  ratioFloor?: number;
  /** Most plaintext bytes this entry may produce (a share of the archive's total budget). */
  maxBytes?: number;
  /** Keys already derived for this entry (from {@link ZipReader.deriveKeys}). */
  keys?: WinZipAesKeys;
  /**
   * Read into buffers of this reader that the next chunk overwrites (no allocation per chunk;
   * measured 5× the cost of the read itself). Only for a consumer that is done with each chunk
   * before asking for the next (a hash and a synchronous write), never one that keeps them.
   */
  reuseBuffers?: boolean;
}

const READ_CHUNK = 1024 * 1024;
/** Entries up to this size (stored and plaintext) are read, authenticated and inflated in one piece. */
const SMALL_ENTRY = 4 * 1024 * 1024;
/** Room read past a small entry's name for its local extra fields (AES: 11 bytes; NTFS times: 36). */
const LOCAL_EXTRA_ROOM = 128;
/** Options of {@link EntryReader}. */
export interface EntryReaderOptions {
  /**
   * Derive keys synchronously (a worker thread, whose own core does the work) instead of in
   * libuv's thread pool (the main thread, which must stay responsive). Default false.
   */
  syncKeyDerivation?: boolean;
}

/** Reads the entries of a zip open as `fd`. */
export class EntryReader {
  private readonly offsets = new Map<number, number>();
  /** The buffer reused by reads with `reuseBuffers`. */
  private scratch: Uint8Array | undefined;
  /**
   * A small entry's local header, name, extra fields and data, read at once (see
   * {@link EntryReader.dataOffset}); reads inside it are served from it. It belongs to one entry:
   * the next entry's `dataOffset` drops it. A read with `reuse` gets its bytes themselves (and
   * drops it, since it may decrypt them in place); any other read gets a copy.
   */
  private window: { position: number; bytes: Uint8Array } | undefined;
  /** The window's memory, reused from entry to entry. */
  private windowBuffer: Uint8Array | undefined;
  constructor(
    /** The descriptor of the open zip (the caller closes it). */
    readonly descriptor: number,
    /** The path, for messages. */
    readonly path: string,
    /** Offset of the central directory: entry data must end before it. */
    readonly centralDirectoryOffset: number,
    private readonly options: EntryReaderOptions = {},
  ) {}

  /**
   * Reads `length` bytes at `position`. Synchronous on purpose: the thread pool is busy with the
   * key derivations and inflates of the next entries, and an archive's reads (page cache, or a USB
   * stick read sequentially) would otherwise queue behind 2 ms PBKDF2 jobs — measured 2× slower.
   */
  private async readAt(position: number, length: number, reuse = false, into?: Uint8Array): Promise<Uint8Array> {
    const w = this.window;
    if (w !== undefined && position >= w.position && position + length <= w.position + w.bytes.byteLength) {
      const bytes = w.bytes.subarray(position - w.position, position - w.position + length);
      if (!reuse) return bytes.slice();
      // A caller that reuses buffers may change these bytes (decryption in place): served once.
      this.window = undefined;
      return bytes;
    }
    let buf: Uint8Array;
    if (into !== undefined) {
      buf = into.subarray(0, length);
    } else if (reuse) {
      if (this.scratch === undefined || this.scratch.byteLength < length) this.scratch = new Uint8Array(Math.max(length, READ_CHUNK));
      buf = this.scratch.subarray(0, length);
    } else {
      buf = new Uint8Array(length);
    }
    let got = 0;
    while (got < length) {
      let n: number;
      try {
        n = readSync(this.descriptor, buf, got, length - got, position + got);
      } catch (e) {
        throw fsError(e, this.path, 'read');
      }
      if (n === 0) throw new ScelleError('TRUNCATED', `${this.path} ends early: the archive is truncated`, { params: { file: this.path } });
      got += n;
    }
    return buf;
  }

  /**
   * Where an entry's data starts, after checking its local header against the central directory.
   * @throws ScelleError `MALFORMED_ARCHIVE`, `TRUNCATED`.
   */
  async dataOffset(entry: ZipEntry): Promise<number> {
    const cached = this.offsets.get(entry.index);
    if (cached !== undefined) return cached;
    // The header and the name in one read (the name is usually as long as the central directory's).
    // For a small entry the read goes on over its data: salt, verifier, data and MAC then come
    // from memory — one system call per entry instead of three (each costs tens of µs in a VM,
    // thousands of times for a folder of letters).
    const expectedName = entry.rawName?.byteLength ?? Buffer.byteLength(entry.name, 'utf8');
    const room = Math.max(30, this.centralDirectoryOffset - entry.localHeaderOffset);
    this.window = undefined;
    if (entry.compressedSize <= SMALL_ENTRY) {
      const length = Math.min(30 + expectedName + LOCAL_EXTRA_ROOM + entry.compressedSize, room);
      if (this.windowBuffer === undefined || this.windowBuffer.byteLength < length) this.windowBuffer = new Uint8Array(Math.max(length, 64 * 1024));
      this.window = { position: entry.localHeaderOffset, bytes: await this.readAt(entry.localHeaderOffset, length, false, this.windowBuffer) };
    }
    const h = await this.readAt(entry.localHeaderOffset, Math.min(30 + expectedName, room));
    const r = new LeReader(h, 0, 'local header');
    if (r.u32() !== SIG.localFile) throw malformedZip(`no local header where the central directory puts "${entry.name}"`, { entry: entry.name });
    r.offset = 26;
    const nameLength = r.u16();
    const extraLength = r.u16();
    const name = nameLength === h.byteLength - 30 ? h.subarray(30) : await this.readAt(entry.localHeaderOffset + 30, nameLength);
    const expected = new TextEncoder().encode(entry.name);
    if (!bytesEqual(name, expected) && (entry.rawName === undefined || !bytesEqual(name, entry.rawName))) {
      throw malformedZip(`the local header of "${entry.name}" names another file`, { entry: entry.name });
    }
    const start = entry.localHeaderOffset + 30 + nameLength + extraLength;
    if (start + entry.compressedSize > this.centralDirectoryOffset) {
      throw new ScelleError('TRUNCATED', `the data of "${entry.name}" runs past the central directory: the archive is truncated or corrupt`, { params: { entry: entry.name } });
    }
    this.offsets.set(entry.index, start);
    return start;
  }

  /** Reads `length` stored bytes from `start` in chunks. */
  private async *raw(start: number, length: number, reuse = false): AsyncGenerator<Uint8Array> {
    let done = 0;
    while (done < length) {
      const n = Math.min(READ_CHUNK, length - done);
      yield await this.readAt(start + done, n, reuse);
      done += n;
    }
  }

  /**
   * The salt and verifier of an AES entry, and its derived keys; checks the password verifier.
   * @throws ScelleError `WRONG_PASSWORD`, `PASSWORD_REQUIRED`, `MALFORMED_ARCHIVE`, `TRUNCATED`.
   */
  async deriveKeys(entry: ZipEntry, password: string | undefined): Promise<WinZipAesKeys> {
    if (entry.aes === undefined) throw new ScelleError('INTERNAL', `"${entry.name}" is not AES-encrypted`);
    if (password === undefined) throw new ScelleError('PASSWORD_REQUIRED', `"${entry.name}" is encrypted: a password is needed`, { params: { entry: entry.name } });
    const saltBytes = WINZIP_AES.saltBytes[entry.aes.strength];
    if (entry.compressedSize < saltBytes + 2 + WINZIP_AES.macBytes) throw malformedZip(`"${entry.name}" is too short for a WinZip AES entry`, { entry: entry.name });
    const start = await this.dataOffset(entry);
    const head = await this.readAt(start, saltBytes + 2);
    const pw = new TextEncoder().encode(password);
    const salt = head.subarray(0, saltBytes);
    const keys = this.options.syncKeyDerivation === true ? deriveWinZipAesKeysSync(pw, salt, entry.aes.strength) : await deriveWinZipAesKeys(pw, salt, entry.aes.strength);
    if (!verifierMatches(keys, head.subarray(saltBytes))) {
      throw new ScelleError('WRONG_PASSWORD', `wrong password for ${this.path}`, { params: { file: this.path, entry: entry.name }, hint: 'check the password and try again' });
    }
    return keys;
  }

  /**
   * Yields the plaintext of a file entry. Checks, in this order and on the actual bytes: the
   * password verifier, the size and ratio caps while inflating, and — after the last byte — the
   * MAC (AES), the CRC-32 (AE-1 and plain entries) and the declared size. A consumer must treat
   * the bytes as unauthenticated until the generator returns.
   * @throws ScelleError `WRONG_PASSWORD`, `DECRYPTION_FAILED` (MAC or CRC mismatch: corrupted or
   *   tampered with), `ARCHIVE_BOMB`, `UNSUPPORTED_ALGORITHM` (ZipCrypto, strong encryption, a
   *   method other than stored/deflate), `MALFORMED_ARCHIVE`, `TRUNCATED`, `IO_ERROR`.
   */
  async *readEntry(entry: ZipEntry, options: ReadEntryOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    assertReadable(entry);
    if (entry.directory) return;
    const corrupt = (detail: string): ScelleError =>
      new ScelleError('DECRYPTION_FAILED', `"${entry.name}" is damaged: ${detail}`, { params: { entry: entry.name } });
    const maxRatio = options.maxRatio ?? 1000;
    const floor = options.ratioFloor ?? 1024 * 1024;
    const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
    const checkCrc = entry.aes === undefined || entry.aes.version === 1;
    const check = (size: number): void => {
      if (size > entry.size) {
        throw new ScelleError('ARCHIVE_BOMB', `"${entry.name}" expands beyond its declared size of ${entry.size} bytes: refused as a possible zip bomb (or a corrupt archive)`, { params: { entry: entry.name } });
      }
      if (size > floor && size > maxRatio * entry.compressedSize) {
        throw new ScelleError('ARCHIVE_BOMB', `"${entry.name}" expands more than ${maxRatio}:1: refused as a possible zip bomb`, { params: { entry: entry.name, ratio: maxRatio } });
      }
      if (size > maxBytes) {
        throw new ScelleError('ARCHIVE_BOMB', `extracting "${entry.name}" passes the cap on the total uncompressed size: refused as a possible zip bomb`, { params: { entry: entry.name } });
      }
    };
    const finalCheck = (size: number, crc: number): void => {
      if (size !== entry.size) throw corrupt(`it holds ${size} bytes where its header says ${entry.size}`);
      if (checkCrc && crc !== entry.crc32) throw corrupt('its CRC-32 does not match');
    };
    const keys = entry.aes !== undefined ? options.keys ?? (await this.deriveKeys(entry, options.password)) : undefined;
    const saltBytes = entry.aes !== undefined ? WINZIP_AES.saltBytes[entry.aes.strength] : 0;
    const overhead = entry.aes !== undefined ? saltBytes + 2 + WINZIP_AES.macBytes : 0;
    const dataStart = (await this.dataOffset(entry)) + (entry.aes !== undefined ? saltBytes + 2 : 0);
    const dataLength = entry.compressedSize - overhead;

    if (entry.compressedSize <= SMALL_ENTRY && entry.size <= SMALL_ENTRY) {
      // Small entry: one read, one decryption, the MAC checked before anything is inflated, one
      // bounded inflate (at most the declared size + 1 byte is ever produced).
      const stored = await this.readAt(dataStart, dataLength + (keys !== undefined ? WINZIP_AES.macBytes : 0), options.reuseBuffers === true);
      const body = stored.subarray(0, dataLength);
      if (keys !== undefined) {
        const dec = new WinZipAesDecryptor(keys);
        // The buffer was read for this entry alone: decrypted in place.
        dec.updateInPlace(body);
        if (!dec.verify(stored.subarray(dataLength))) throw macFailure(entry);
      }
      let plain = body;
      if (entry.method === METHOD.deflate) {
        try {
          const out = inflateRawSync(body, { maxOutputLength: Math.max(1, entry.size + 1) });
          plain = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') check(entry.size + 1);
          throw corrupt((e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'the compressed data ends early' : `invalid compressed data (${(e as Error).message})`);
        }
      }
      check(plain.byteLength);
      finalCheck(plain.byteLength, checkCrc ? crc32(plain) >>> 0 : 0);
      if (plain.byteLength > 0) yield plain;
      return;
    }

    let stored: AsyncIterable<Uint8Array>;
    if (keys !== undefined) {
      const dec = new WinZipAesDecryptor(keys);
      const self = this;
      stored = (async function* decrypt(): AsyncGenerator<Uint8Array> {
        // zlib holds on to its input chunks: only stored data may be read into reused buffers.
        const reuse = options.reuseBuffers === true && entry.method !== METHOD.deflate;
        for await (const c of self.raw(dataStart, dataLength, reuse)) {
          dec.updateInPlace(c);
          yield c;
        }
        const mac = await self.readAt(dataStart + dataLength, WINZIP_AES.macBytes);
        if (!dec.verify(mac)) throw macFailure(entry);
      })();
    } else {
      stored = this.raw(dataStart, dataLength, options.reuseBuffers === true && entry.method !== METHOD.deflate);
    }
    const plain = entry.method === METHOD.deflate ? inflateChunks(stored, (d) => corrupt(d)) : stored;
    let crc = 0;
    let size = 0;
    for await (const chunk of plain) {
      size += chunk.byteLength;
      check(size);
      if (checkCrc) crc = crc32(chunk, crc) >>> 0;
      yield chunk;
    }
    finalCheck(size, crc);
  }
}

function macFailure(entry: ZipEntry): ScelleError {
  return new ScelleError('DECRYPTION_FAILED', `authentication failed for "${entry.name}": the archive is corrupted or was tampered with`, { params: { entry: entry.name } });
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Refuses what cannot be read safely or at all.
 * @throws ScelleError `UNSUPPORTED_ALGORITHM`.
 */
export function assertReadable(entry: ZipEntry): void {
  if ((entry.flags & FLAG.strongEncryption) !== 0 || entry.storedMethod === 97 || entry.storedMethod === 17) {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', `"${entry.name}" uses PKWARE strong encryption, which scelle does not read`, { params: { entry: entry.name } });
  }
  if (entry.encrypted && entry.aes === undefined) {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', `"${entry.name}" is encrypted with ZipCrypto, the legacy zip encryption that is easily broken: ask for an AES-256 archive`, { params: { entry: entry.name }, hint: 'with 7-Zip: 7z a -tzip -mem=AES256' });
  }
  if (entry.method !== METHOD.stored && entry.method !== METHOD.deflate) {
    throw new ScelleError('UNSUPPORTED_ALGORITHM', `"${entry.name}" uses compression method ${entry.method}; scelle reads stored and deflate entries`, { params: { entry: entry.name, method: entry.method } });
  }
}

