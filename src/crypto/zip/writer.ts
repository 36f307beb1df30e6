/**
 * A streaming zip writer (PKWARE APPNOTE 6.3.10) for WinZip AES entries (AE-2 by default).
 *
 * Layout of a file entry: local header (bit 3 set: sizes follow the data in a data descriptor,
 * so nothing is sought back; bit 11: UTF-8 name; bit 0: encrypted; method 99 with the 0x9901
 * extra naming the real method; 0x5455 mtime), then salt ‖ verifier ‖ ciphertext ‖ MAC, then the
 * data descriptor. Zip64 (APPNOTE §4.5.3, §4.3.14–15) is used per entry when its sizes may pass
 * 4 GiB (the local header then carries a zip64 extra and the descriptor 8-byte sizes), for offsets
 * past 4 GiB, and for the end records when there are more than 65 535 entries or the central
 * directory passes 4 GiB — or everywhere with `forceZip64`.
 *
 * Memory stays bounded: an entry is produced chunk by chunk; only the central directory (about
 * 100 bytes per entry) is kept until the end.
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { ScelleError } from '../../errors.js';
import { releaseBuffersEvery } from '../../io/memory.js';
import { DEFLATE_END, deflateChunk, deflateWhole } from './deflate.js';
import {
  EXTRA, FLAG, LeWriter, MADE_BY_UNIX, METHOD, SIG, U16_MAX, U32_MAX, VERSION,
  aesExtraField, concatBytes, extTimeExtraField, extraField, toDosDateTime,
} from './format.js';
import { WINZIP_AES, WinZipAesEncryptor, deriveWinZipAesKeys, type AesStrength, type AesVersion, type WinZipAesKeys } from './winzip-aes.js';

/** Options of {@link ZipWriter}. */
export interface ZipWriterOptions {
  /** Password of every file entry; absent: entries are written unencrypted (tests, plain zips). */
  password?: string;
  /** Deflate level 0–9 (0: store). Default 6. */
  level?: number;
  /** AES strength: 3 (AES-256, default), 2, 1. */
  strength?: AesStrength;
  /** AE-2 (default: CRC 0) or AE-1 (CRC kept). */
  aesVersion?: AesVersion;
  /** Zip64 records everywhere, even for small archives (tests, and readers that need them). */
  forceZip64?: boolean;
  /**
   * Number of entries with data (files, manifest…) the caller will add. Their keys (PBKDF2, about
   * 2 ms each) are then derived ahead, up to {@link KEYS_AHEAD} entries in advance, in the thread
   * pool, while the current entries are compressed and encrypted: the key derivations of a
   * folder of letters overlap the encryption of the large scans before it. Without it, each key
   * is derived when its entry is prepared.
   */
  expectedFiles?: number;
}

/** Keys derived at most this many entries ahead (a few hundred bytes each). */
const KEYS_AHEAD = 4096;

/** Metadata of one entry. */
export interface ZipEntryMeta {
  /** The name as stored: `/`-separated, folders end with `/`. Not checked here (the caller decides). */
  name: string;
  mtime: Date;
  /** Unix permission bits (and type, for tests); default 0o644 for files, 0o755 for folders. */
  unixMode?: number;
}

/** What was written for one entry. */
export interface WrittenEntry {
  name: string;
  directory: boolean;
  /** 0 stored, 8 deflate (the real method, inside AES). */
  method: number;
  size: number;
  compressedSize: number;
  zip64: boolean;
}

/** Plaintext observer: sees every input byte of a file (for a SHA-256 of the original). */
export type DataTap = (chunk: Uint8Array) => void;

interface CentralRecord {
  name: Uint8Array;
  flags: number;
  method: number;
  dos: { date: number; time: number };
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
  extAttr: number;
  versionNeeded: number;
  extras: Uint8Array[];
  zip64: boolean;
}

/** Files up to this size are read, compressed and encrypted whole (and several at once). */
export const SMALL_ENTRY = 4 * 1024 * 1024;
/** Chunk of a large file: read, deflated (in parallel), encrypted and written in these units. */
export const LARGE_CHUNK = 1024 * 1024;
/** Deflate chunks of one large file in flight at once. */
const DEFLATE_IN_FLIGHT = 3;
/** Deflate must save at least this fraction for the entry to be stored deflated. */
const MIN_SAVING = 0.02;
/** An entry whose size could pass this after compression gets zip64 sizes (deflate may expand slightly). */
const ZIP64_SIZE_THRESHOLD = U32_MAX - 64 * 1024 * 1024;

/** A file entry whose bytes are ready (small) or will be streamed (large) when written. */
export interface PreparedEntry {
  readonly meta: ZipEntryMeta;
  /** Resolves when the entry can be written without waiting (small: all bytes ready; large: keys ready). */
  readonly ready: Promise<void>;
  /** @internal */
  readonly run: () => Promise<{ header: EntryHeader; payload: AsyncIterable<Uint8Array> | Uint8Array[]; trailer: () => Trailer }>;
}

interface EntryHeader {
  method: number;
  crc: number;
  zip64: boolean;
  encrypted: boolean;
  aesVersion?: AesVersion;
}

interface Trailer {
  crc: number;
  size: number;
  compressedSize: number;
}

/**
 * Writes a zip through `write` (awaited for each piece: back-pressure). Typical use:
 * `prepareFile` for the next few files (they derive keys and compress in the background), then
 * `writePrepared` in order, `addDirectory`, `addBytes`, and `finish`.
 */
export class ZipWriter {
  private readonly password: Uint8Array | undefined;
  private readonly level: number;
  private readonly strength: AesStrength;
  private readonly aesVersion: AesVersion;
  private readonly forceZip64: boolean;
  private readonly central: CentralRecord[] = [];
  private offset = 0;
  private finished = false;
  private busy = false;
  /** Keys derived ahead, in entry order. */
  private readonly keysAhead: { salt: Uint8Array; keys: Promise<WinZipAesKeys> }[] = [];
  /** Entries announced by `expectedFiles` whose key derivation has not started. */
  private keysToStart: number;
  /** Set by {@link dispose}: keys derived ahead are no longer wanted. */
  private disposed = false;

  constructor(private readonly write: (chunk: Uint8Array) => Promise<void>, options: ZipWriterOptions = {}) {
    this.password = options.password === undefined ? undefined : new TextEncoder().encode(options.password);
    const level = options.level ?? 6;
    if (!Number.isInteger(level) || level < 0 || level > 9) throw new ScelleError('USAGE', `the compression level must be an integer from 0 to 9, not ${level}`);
    this.level = level;
    this.strength = options.strength ?? 3;
    this.aesVersion = options.aesVersion ?? 2;
    this.forceZip64 = options.forceZip64 === true;
    this.keysToStart = Math.max(0, Math.floor(options.expectedFiles ?? 0));
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.offset;
  }

  /** Number of entries written so far. */
  get entryCount(): number {
    return this.central.length;
  }

  private async out(chunk: Uint8Array): Promise<void> {
    if (chunk.byteLength === 0) return;
    await this.write(chunk);
    this.offset += chunk.byteLength;
  }

  private keysFor(): { salt: Uint8Array; keys: Promise<WinZipAesKeys> } | undefined {
    if (this.password === undefined) return undefined;
    while (this.keysToStart > 0 && this.keysAhead.length < KEYS_AHEAD) {
      this.keysAhead.push(this.startKeys(this.password));
      this.keysToStart--;
    }
    return this.keysAhead.shift() ?? this.startKeys(this.password);
  }

  private startKeys(password: Uint8Array): { salt: Uint8Array; keys: Promise<WinZipAesKeys> } {
    const salt = new Uint8Array(randomBytes(WINZIP_AES.saltBytes[this.strength]));
    const keys = deriveWinZipAesKeys(password, salt, this.strength, () => this.disposed);
    keys.catch(() => undefined);
    return { salt, keys };
  }

  /**
   * Starts preparing a file entry: the key derivation starts now; a file of at most
   * {@link SMALL_ENTRY} bytes (`sizeHint`) is also read, compressed and encrypted now, in memory.
   * `read` is called once; `tap` sees the plaintext. With `ownChunks`, the chunks `read` yields
   * are the writer's (fresh buffers nobody else holds, as `readFileChunks` gives): stored data is
   * encrypted in place instead of copied.
   */
  prepareFile(meta: ZipEntryMeta, read: () => AsyncIterable<Uint8Array>, sizeHint: number, tap?: DataTap, options: { ownChunks?: boolean } = {}): PreparedEntry {
    const crypt = this.keysFor();
    const zip64 = this.forceZip64 || sizeHint >= ZIP64_SIZE_THRESHOLD;
    if (sizeHint <= SMALL_ENTRY) {
      const built = this.buildSmall(read, crypt, tap);
      built.catch(() => undefined);
      return {
        meta,
        ready: built.then(() => undefined),
        run: async () => {
          const b = await built;
          return { header: { ...b.header, zip64 }, payload: b.payload, trailer: () => b.trailer };
        },
      };
    }
    const ready = crypt === undefined ? Promise.resolve() : crypt.keys.then(() => undefined);
    ready.catch(() => undefined);
    return { meta, ready, run: () => this.streamLarge(read, crypt, tap, zip64, options.ownChunks === true) };
  }

  private async buildSmall(read: () => AsyncIterable<Uint8Array>, crypt: ReturnType<ZipWriter['keysFor']>, tap?: DataTap): Promise<{ header: Omit<EntryHeader, 'zip64'>; payload: Uint8Array[]; trailer: Trailer }> {
    const parts: Uint8Array[] = [];
    for await (const c of read()) {
      tap?.(c);
      parts.push(c);
    }
    const data = parts.length === 1 ? parts[0]! : concatBytes(parts);
    let method: number = METHOD.stored;
    let body = data;
    if (this.level > 0 && data.byteLength > 0) {
      const z = await deflateWhole(data, this.level);
      if (z.byteLength < data.byteLength * (1 - MIN_SAVING)) {
        method = METHOD.deflate;
        body = z;
      }
    }
    const crc = this.password === undefined || this.aesVersion === 1 ? crc32(data) >>> 0 : 0;
    if (crypt === undefined) {
      return { header: { method, crc, encrypted: false }, payload: [body], trailer: { crc, size: data.byteLength, compressedSize: body.byteLength } };
    }
    const enc = new WinZipAesEncryptor(await crypt.keys);
    const keys = await crypt.keys;
    const cipher = enc.update(body);
    const mac = enc.final();
    const payload = [crypt.salt, keys.verifier, cipher, mac];
    const compressedSize = crypt.salt.byteLength + 2 + cipher.byteLength + mac.byteLength;
    return { header: { method, crc, encrypted: true, aesVersion: this.aesVersion }, payload, trailer: { crc, size: data.byteLength, compressedSize } };
  }

  private async streamLarge(read: () => AsyncIterable<Uint8Array>, crypt: ReturnType<ZipWriter['keysFor']>, tap: DataTap | undefined, zip64: boolean, ownChunks: boolean): Promise<{ header: EntryHeader; payload: AsyncIterable<Uint8Array>; trailer: () => Trailer }> {
    const iterator = read()[Symbol.asyncIterator]();
    const level = this.level;
    // The method is chosen on the first chunk: deflate it; if it does not shrink, store the file.
    const first = await iterator.next();
    const firstChunk = first.done ? new Uint8Array(0) : first.value;
    tap?.(firstChunk);
    let firstDeflated: Promise<Uint8Array> | undefined;
    let method: number = METHOD.stored;
    if (level > 0 && firstChunk.byteLength > 0) {
      const z = await deflateChunk(firstChunk, level);
      if (z.byteLength < firstChunk.byteLength * (1 - MIN_SAVING)) {
        method = METHOD.deflate;
        firstDeflated = Promise.resolve(z);
      }
    }
    const keys = crypt === undefined ? undefined : await crypt.keys;
    const enc = keys === undefined ? undefined : new WinZipAesEncryptor(keys);
    const wantCrc = crypt === undefined || this.aesVersion === 1;
    let crc = wantCrc ? crc32(firstChunk) >>> 0 : 0;
    let size = firstChunk.byteLength;
    let compressedSize = 0;
    // Deflate's output is this entry's own, and so are the chunks read with `ownChunks`: those are
    // encrypted in place; the caller's chunks are copied.
    const inPlace = method === METHOD.deflate || ownChunks;
    const emit = (c: Uint8Array): Uint8Array => {
      if (enc === undefined) {
        compressedSize += c.byteLength;
        return c;
      }
      const o = inPlace ? c : new Uint8Array(c);
      enc.updateInPlace(o);
      compressedSize += o.byteLength;
      return o;
    };
    // A large file allocates two fresh buffers per byte (its chunks, and the keystream OpenSSL
    // returns) that only a collection frees; without one every few chunks the external memory
    // grows until V8 runs full mark-compacts of the whole heap — measured 1.6 s of a 10 s export's
    // main thread (50 of them); one minor collection every 4 chunks left ~16 (0.2 s). Not much
    // more often: a chunk alive across two (read, the deflate queue, the write) is promoted to
    // where only a full collection frees it.
    const release = releaseBuffersEvery(2 * (DEFLATE_IN_FLIGHT + 1) * LARGE_CHUNK);
    async function* payload(): AsyncGenerator<Uint8Array> {
      if (crypt !== undefined && keys !== undefined) {
        compressedSize += crypt.salt.byteLength + 2;
        yield crypt.salt;
        yield keys.verifier;
      }
      const queue: Promise<Uint8Array>[] = [];
      let previous = firstChunk;
      if (firstChunk.byteLength > 0) queue.push(firstDeflated ?? Promise.resolve(firstChunk));
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        const chunk = next.value;
        tap?.(chunk);
        size += chunk.byteLength;
        if (wantCrc) crc = crc32(chunk, crc) >>> 0;
        const p = method === METHOD.deflate ? deflateChunk(chunk, level, previous) : Promise.resolve(chunk);
        p.catch(() => undefined);
        queue.push(p);
        previous = chunk;
        while (queue.length >= DEFLATE_IN_FLIGHT) yield emit(await queue.shift()!);
        release(2 * chunk.byteLength);
      }
      while (queue.length > 0) yield emit(await queue.shift()!);
      if (method === METHOD.deflate) yield emit(DEFLATE_END.slice());
      if (enc !== undefined) {
        const mac = enc.final();
        compressedSize += mac.byteLength;
        yield mac;
      }
    }
    return {
      header: { method, crc: 0, zip64, encrypted: enc !== undefined, ...(enc !== undefined ? { aesVersion: this.aesVersion } : {}) },
      payload: payload(),
      trailer: () => ({ crc: wantCrc ? crc : 0, size, compressedSize }),
    };
  }

  /**
   * Writes a prepared file entry (local header, data, data descriptor).
   * @throws whatever reading the file throws (`FILE_NOT_FOUND`, `IO_ERROR`), and `IO_ERROR` from `write`.
   */
  async writePrepared(entry: PreparedEntry): Promise<WrittenEntry> {
    this.enter();
    try {
      const { header, payload, trailer } = await entry.run();
      const name = new TextEncoder().encode(entry.meta.name);
      const offset = this.offset;
      const dos = toDosDateTime(entry.meta.mtime);
      const flags = FLAG.utf8 | FLAG.dataDescriptor | (header.encrypted ? FLAG.encrypted : 0);
      const storedMethod = header.encrypted ? METHOD.aes : header.method;
      const time = extTimeExtraField(entry.meta.mtime);
      const aes = header.encrypted ? aesExtraField(header.aesVersion ?? 2, this.strength, header.method) : undefined;
      const versionNeeded = Math.max(header.encrypted ? VERSION.aes : VERSION.deflate, header.zip64 ? VERSION.zip64 : 0);
      // Local zip64 extra: both sizes, zero here since the data descriptor carries them.
      const localExtras = [...(header.zip64 ? [extraField(EXTRA.zip64, new LeWriter(16).u64(0).u64(0).bytes)] : []), ...(time ? [time] : []), ...(aes ? [aes] : [])];
      const localExtra = concatBytes(localExtras);
      const sizeField = header.zip64 ? U32_MAX : 0;
      await this.out(new LeWriter(30 + name.byteLength + localExtra.byteLength)
        .u32(SIG.localFile).u16(versionNeeded).u16(flags).u16(storedMethod).u16(dos.time).u16(dos.date)
        .u32(0).u32(sizeField).u32(sizeField).u16(name.byteLength).u16(localExtra.byteLength).raw(name).raw(localExtra).bytes);
      for await (const chunk of payload) await this.out(chunk);
      const t = trailer();
      if (!header.zip64 && (t.size > U32_MAX || t.compressedSize > U32_MAX)) {
        throw new ScelleError('IO_ERROR', `${entry.meta.name} grew past 4 GiB while it was being read: export it again`, { params: { file: entry.meta.name } });
      }
      const dd = header.zip64
        ? new LeWriter(24).u32(SIG.dataDescriptor).u32(t.crc).u64(t.compressedSize).u64(t.size).bytes
        : new LeWriter(16).u32(SIG.dataDescriptor).u32(t.crc).u32(t.compressedSize).u32(t.size).bytes;
      await this.out(dd);
      const mode = (entry.meta.unixMode ?? 0o100644) & 0xffff;
      this.central.push({
        name, flags, method: storedMethod, dos, crc: t.crc, compressedSize: t.compressedSize, size: t.size, offset,
        extAttr: ((mode | ((mode & 0o170000) === 0 ? 0o100000 : 0)) << 16) >>> 0, versionNeeded,
        extras: [...(time ? [time] : []), ...(aes ? [aes] : [])], zip64: header.zip64,
      });
      return { name: entry.meta.name, directory: false, method: header.method, size: t.size, compressedSize: t.compressedSize, zip64: header.zip64 || offset >= U32_MAX };
    } finally {
      this.busy = false;
    }
  }

  /** AES strength and AE version of this writer's entries (what an encoder elsewhere must use). */
  get encoding(): { strength: AesStrength; aesVersion: AesVersion; level: number } {
    return { strength: this.strength, aesVersion: this.aesVersion, level: this.level };
  }

  /**
   * Writes a file entry encoded elsewhere (`encodeFile` in a worker, with this writer's
   * {@link encoding} and password): its payload is written as is.
   * @throws ScelleError `IO_ERROR` from `write`.
   */
  async writeEncoded(meta: ZipEntryMeta, e: { method: number; crc: number; size: number; encrypted: boolean; payload: Uint8Array }): Promise<WrittenEntry> {
    const zip64 = this.forceZip64 || e.size >= ZIP64_SIZE_THRESHOLD;
    const header: EntryHeader = { method: e.method, crc: e.crc, zip64, encrypted: e.encrypted, ...(e.encrypted ? { aesVersion: this.aesVersion } : {}) };
    const trailer: Trailer = { crc: e.crc, size: e.size, compressedSize: e.payload.byteLength };
    return this.writePrepared({ meta, ready: Promise.resolve(), run: async () => ({ header, payload: [e.payload], trailer: () => trailer }) });
  }

  /** Adds a file from bytes in memory (the manifest, its signature). */
  async addBytes(meta: ZipEntryMeta, bytes: Uint8Array): Promise<WrittenEntry> {
    return this.writePrepared(this.prepareFile(meta, () => one(bytes), bytes.byteLength));
  }

  /**
   * Adds a stored entry with its CRC and sizes in the local header, no data descriptor and no
   * extra field — what ODF, EPUB and ASiC (ETSI EN 319 162-1 §A.1) require of their first entry,
   * `mimetype`, so that its value sits at byte 38 of the file for "magic number" detection.
   * Plain (unencrypted) writers only.
   * @throws ScelleError INTERNAL on an encrypting writer; IO_ERROR from `write`.
   */
  async addStoredPlain(meta: ZipEntryMeta, bytes: Uint8Array): Promise<WrittenEntry> {
    if (this.password !== undefined) throw new ScelleError('INTERNAL', 'zip writer: a plain stored entry in an encrypted archive');
    this.enter();
    try {
      const name = new TextEncoder().encode(meta.name);
      const offset = this.offset;
      const dos = toDosDateTime(meta.mtime);
      const crc = crc32(bytes) >>> 0;
      const flags = /[^\x20-\x7e]/.test(meta.name) ? FLAG.utf8 : 0;
      await this.out(new LeWriter(30 + name.byteLength)
        .u32(SIG.localFile).u16(VERSION.deflate).u16(flags).u16(METHOD.stored).u16(dos.time).u16(dos.date)
        .u32(crc).u32(bytes.byteLength).u32(bytes.byteLength).u16(name.byteLength).u16(0).raw(name).bytes);
      await this.out(bytes);
      const mode = (meta.unixMode ?? 0o100644) & 0xffff;
      this.central.push({
        name, flags, method: METHOD.stored, dos, crc, compressedSize: bytes.byteLength, size: bytes.byteLength, offset,
        extAttr: (mode << 16) >>> 0, versionNeeded: VERSION.deflate, extras: [], zip64: false,
      });
      return { name: meta.name, directory: false, method: METHOD.stored, size: bytes.byteLength, compressedSize: bytes.byteLength, zip64: false };
    } finally {
      this.busy = false;
    }
  }

  /** Adds a folder entry (`name` ends with `/`; stored, never encrypted: it has no data). */
  async addDirectory(meta: ZipEntryMeta): Promise<WrittenEntry> {
    this.enter();
    try {
      const name = new TextEncoder().encode(meta.name.endsWith('/') ? meta.name : `${meta.name}/`);
      const offset = this.offset;
      const dos = toDosDateTime(meta.mtime);
      const time = extTimeExtraField(meta.mtime);
      const extra = time ?? new Uint8Array(0);
      await this.out(new LeWriter(30 + name.byteLength + extra.byteLength)
        .u32(SIG.localFile).u16(VERSION.deflate).u16(FLAG.utf8).u16(METHOD.stored).u16(dos.time).u16(dos.date)
        .u32(0).u32(0).u32(0).u16(name.byteLength).u16(extra.byteLength).raw(name).raw(extra).bytes);
      const mode = (meta.unixMode ?? 0o40755) & 0xffff;
      this.central.push({
        name, flags: FLAG.utf8, method: METHOD.stored, dos, crc: 0, compressedSize: 0, size: 0, offset,
        // Unix mode in the high half, MS-DOS directory attribute in the low byte.
        extAttr: (((mode | 0o40000) << 16) | 0x10) >>> 0, versionNeeded: VERSION.deflate, extras: time ? [time] : [], zip64: false,
      });
      return { name: meta.name, directory: true, method: METHOD.stored, size: 0, compressedSize: 0, zip64: offset >= U32_MAX };
    } finally {
      this.busy = false;
    }
  }

  /**
   * Gives up the archive (after a failure): the key derivations started ahead and not yet running
   * are dropped. The writer must not be used afterwards.
   */
  dispose(): void {
    this.disposed = true;
    this.finished = true;
    this.keysToStart = 0;
    this.keysAhead.length = 0;
  }

  private enter(): void {
    if (this.finished) throw new ScelleError('INTERNAL', 'zip writer: entry added after finish()');
    if (this.busy) throw new ScelleError('INTERNAL', 'zip writer: entries must be written one at a time');
    this.busy = true;
  }

  /** Writes the central directory and the end records. Returns the archive's size. */
  async finish(): Promise<{ bytes: number; entries: number; zip64: boolean }> {
    this.enter();
    this.finished = true;
    // Keys announced but never used (fewer entries than expectedFiles): not derived.
    this.disposed = true;
    this.keysAhead.length = 0;
    const cdOffset = this.offset;
    let anyZip64 = this.forceZip64;
    const batch: Uint8Array[] = [];
    let batchBytes = 0;
    for (const r of this.central) {
      const needSize = r.zip64 || r.size >= U32_MAX || r.compressedSize >= U32_MAX;
      const needOffset = this.forceZip64 || r.offset >= U32_MAX;
      const z = new LeWriter(28);
      let zn = 0;
      // APPNOTE §4.5.3: only the fields whose 32-bit slot holds 0xFFFFFFFF, in this order.
      if (needSize) { z.u64(r.size).u64(r.compressedSize); zn += 16; }
      if (needOffset) { z.u64(r.offset); zn += 8; }
      const extras = zn > 0 ? [extraField(EXTRA.zip64, z.bytes.subarray(0, zn)), ...r.extras] : r.extras;
      if (zn > 0) anyZip64 = true;
      const extra = concatBytes(extras);
      const versionNeeded = Math.max(r.versionNeeded, zn > 0 ? VERSION.zip64 : 0);
      batch.push(new LeWriter(46 + r.name.byteLength + extra.byteLength)
        .u32(SIG.centralFile).u16(MADE_BY_UNIX).u16(versionNeeded).u16(r.flags).u16(r.method).u16(r.dos.time).u16(r.dos.date)
        .u32(r.crc).u32(needSize ? U32_MAX : r.compressedSize).u32(needSize ? U32_MAX : r.size)
        .u16(r.name.byteLength).u16(extra.byteLength).u16(0).u16(0).u16(0).u32(r.extAttr).u32(needOffset ? U32_MAX : r.offset)
        .raw(r.name).raw(extra).bytes);
      batchBytes += batch[batch.length - 1]!.byteLength;
      if (batchBytes >= 256 * 1024) {
        await this.out(concatBytes(batch));
        batch.length = 0;
        batchBytes = 0;
      }
    }
    if (batch.length > 0) await this.out(concatBytes(batch));
    const cdSize = this.offset - cdOffset;
    const count = this.central.length;
    const zip64End = anyZip64 || count >= U16_MAX || cdSize >= U32_MAX || cdOffset >= U32_MAX;
    if (zip64End) {
      const eocd64Offset = this.offset;
      await this.out(new LeWriter(56)
        .u32(SIG.zip64Eocd).u64(44).u16(MADE_BY_UNIX).u16(VERSION.zip64).u32(0).u32(0)
        .u64(count).u64(count).u64(cdSize).u64(cdOffset).bytes);
      await this.out(new LeWriter(20).u32(SIG.zip64Locator).u32(0).u64(eocd64Offset).u32(1).bytes);
    }
    await this.out(new LeWriter(22)
      .u32(SIG.eocd).u16(0).u16(0)
      .u16(zip64End ? U16_MAX : count).u16(zip64End ? U16_MAX : count)
      .u32(zip64End ? U32_MAX : cdSize).u32(zip64End ? U32_MAX : cdOffset).u16(0).bytes);
    this.busy = false;
    return { bytes: this.offset, entries: count, zip64: zip64End };
  }
}

async function* one(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
