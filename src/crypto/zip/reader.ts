/**
 * A zip reader (PKWARE APPNOTE 6.3.10) for AES archives: WinZip AE-1 and AE-2 (any strength),
 * stored or deflated, zip64, from 7-Zip, WinZip and scelle. Plain (unencrypted) entries are read
 * too and reported as such; ZipCrypto and PKWARE strong encryption are refused.
 *
 * The central directory is the authority (local headers are only checked against it). Nothing in
 * the headers is trusted for safety: sizes are counted on the actual bytes, every entry's MAC is
 * checked after its last byte (the consumer must not keep the plaintext until the generator has
 * finished), and a declared size that the data exceeds stops the read (ARCHIVE_BOMB).
 */
import { close, fstat, open, read, readSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';
import { ScelleError } from '../../errors.js';
import { inflateChunks } from './deflate.js';
import {
  EXTRA, FLAG, LeReader, METHOD, SIG, U16_MAX, U32_MAX,
  fromDosDateTime, malformedZip, parseExtraFields,
} from './format.js';
import { WINZIP_AES, WinZipAesDecryptor, deriveWinZipAesKeys, verifierMatches, type AesStrength, type AesVersion, type WinZipAesKeys } from './winzip-aes.js';

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
  /** The name's bytes as stored in the central directory. */
  rawName: Uint8Array;
}

/** Options of {@link ZipReader.open}. */
export interface ZipReaderOptions {
  /** Largest central directory read (default 256 MiB, about 2.5 million entries). */
  maxCentralDirectoryBytes?: number;
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
}

const READ_CHUNK = 1024 * 1024;
/** Entries up to this size (stored and plaintext) are read, authenticated and inflated in one piece. */
const SMALL_ENTRY = 4 * 1024 * 1024;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function decodeCp437(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += c < 0x80 ? String.fromCharCode(c) : CP437_HIGH[c - 0x80]!;
  return s;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fsRead(fd: number, buf: Uint8Array, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, 0, buf.byteLength, position, (e, n) => (e ? reject(e) : resolve(n))));
}

/** An open zip file. Close it with {@link ZipReader.close}. */
export class ZipReader {
  private closed = false;
  private readonly offsets = new Map<number, number>();
  private constructor(
    private readonly fd: number,
    /** The path, for messages. */
    readonly path: string,
    /** The file's size. */
    readonly fileSize: number,
    /** Entries in central directory order. */
    readonly entries: readonly ZipEntry[],
    /** Offset of the central directory: entry data must end before it. */
    readonly centralDirectoryOffset: number,
    /** True when the archive has zip64 end records. */
    readonly zip64: boolean,
  ) {}

  /**
   * Opens a zip and reads its central directory.
   * @throws ScelleError `FILE_NOT_FOUND`, `IO_ERROR`, `TRUNCATED` (the end records or the central
   *   directory are cut off), `MALFORMED_ARCHIVE` (not a zip, malformed, multi-volume),
   *   `ARCHIVE_BOMB` (entries whose data overlap).
   */
  static async open(path: string, options: ZipReaderOptions = {}): Promise<ZipReader> {
    let fd: number;
    try {
      fd = await new Promise<number>((resolve, reject) => open(path, 'r', (e, n) => (e ? reject(e) : resolve(n))));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new ScelleError('FILE_NOT_FOUND', `file not found: ${path}`, { params: { file: path }, cause: e });
      throw new ScelleError('IO_ERROR', `cannot read ${path}: ${(e as Error).message}`, { params: { file: path }, cause: e });
    }
    try {
      const st = await new Promise<{ size: number; isFile(): boolean }>((resolve, reject) => fstat(fd, (e, s) => (e ? reject(e) : resolve(s))));
      if (!st.isFile()) throw new ScelleError('IO_ERROR', `${path} is not a regular file`, { params: { file: path } });
      const layout = await readLayout(fd, st.size, path, options.maxCentralDirectoryBytes ?? 256 * 1024 * 1024);
      return new ZipReader(fd, path, st.size, layout.entries, layout.cdOffset, layout.zip64);
    } catch (e) {
      await new Promise<void>((resolve) => close(fd, () => resolve()));
      if (e instanceof ScelleError) throw e;
      if (e instanceof RangeError || e instanceof TypeError) throw malformedZip((e as Error).message, { file: path });
      throw new ScelleError('IO_ERROR', `cannot read ${path}: ${(e as Error).message}`, { params: { file: path }, cause: e });
    }
  }

  /** Closes the file. Never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => close(this.fd, () => resolve()));
  }

  /**
   * Reads `length` bytes at `position`. Synchronous on purpose: the thread pool is busy with the
   * key derivations and inflates of the next entries, and an archive's reads (page cache, or a USB
   * stick read sequentially) would otherwise queue behind 2 ms PBKDF2 jobs — measured 2× slower.
   */
  private async readAt(position: number, length: number): Promise<Uint8Array> {
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      let n: number;
      try {
        n = readSync(this.fd, buf, got, length - got, position + got);
      } catch (e) {
        throw new ScelleError('IO_ERROR', `cannot read ${this.path}: ${(e as Error).message}`, { params: { file: this.path }, cause: e });
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
    const h = await this.readAt(entry.localHeaderOffset, 30);
    const r = new LeReader(h, 0, 'local header');
    if (r.u32() !== SIG.localFile) throw malformedZip(`no local header where the central directory puts "${entry.name}"`, { entry: entry.name });
    r.offset = 26;
    const nameLength = r.u16();
    const extraLength = r.u16();
    const name = await this.readAt(entry.localHeaderOffset + 30, nameLength);
    const expected = new TextEncoder().encode(entry.name);
    const cdName = entry.rawName;
    if (!bytesEqual(name, cdName) && !bytesEqual(name, expected)) {
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
  private async *raw(start: number, length: number): AsyncGenerator<Uint8Array> {
    let done = 0;
    while (done < length) {
      const n = Math.min(READ_CHUNK, length - done);
      yield await this.readAt(start + done, n);
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
    const keys = await deriveWinZipAesKeys(new TextEncoder().encode(password), head.subarray(0, saltBytes), entry.aes.strength);
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
      const stored = await this.readAt(dataStart, dataLength + (keys !== undefined ? WINZIP_AES.macBytes : 0));
      let body = stored.subarray(0, dataLength);
      if (keys !== undefined) {
        const dec = new WinZipAesDecryptor(keys);
        body = dec.update(body);
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
        for await (const c of self.raw(dataStart, dataLength)) yield dec.update(c);
        const mac = await self.readAt(dataStart + dataLength, WINZIP_AES.macBytes);
        if (!dec.verify(mac)) throw macFailure(entry);
      })();
    } else {
      stored = this.raw(dataStart, dataLength);
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

interface Layout {
  entries: ZipEntry[];
  cdOffset: number;
  zip64: boolean;
}

async function readFull(fd: number, position: number, length: number, path: string): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = await fsRead(fd, buf.subarray(got), position + got);
    if (n === 0) throw new ScelleError('TRUNCATED', `${path} ends early: the archive is truncated`, { params: { file: path } });
    got += n;
  }
  return buf;
}

async function readLayout(fd: number, fileSize: number, path: string, maxCd: number): Promise<Layout> {
  if (fileSize < EOCD_SIZE) {
    throw fileSize >= 4 && (await startsWithLocalHeader(fd))
      ? new ScelleError('TRUNCATED', `${path} is a truncated zip archive (no end of central directory record)`, { params: { file: path } })
      : malformedZip(`${path} is too small to be a zip archive`, { file: path });
  }
  const tailLength = Math.min(fileSize, EOCD_SIZE + MAX_COMMENT + 20);
  const tailStart = fileSize - tailLength;
  const tail = await readFull(fd, tailStart, tailLength, path);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  let fallback = -1;
  for (let i = tail.byteLength - EOCD_SIZE; i >= 0; i--) {
    if (view.getUint32(i, true) !== SIG.eocd) continue;
    // A comment may contain the signature: prefer the record whose comment ends the file.
    if (i + EOCD_SIZE + view.getUint16(i + 20, true) === tail.byteLength) {
      eocd = i;
      break;
    }
    if (fallback < 0) fallback = i;
  }
  if (eocd < 0) eocd = fallback;
  if (eocd < 0) {
    throw (await startsWithLocalHeader(fd))
      ? new ScelleError('TRUNCATED', `${path} is a truncated zip archive (its end of central directory record is missing)`, { params: { file: path } })
      : malformedZip(`${path} has no end of central directory record`, { file: path });
  }
  const r = new LeReader(tail, eocd + 4, 'end of central directory record');
  const disk = r.u16();
  const cdDisk = r.u16();
  let countDisk = r.u16();
  let count = r.u16();
  let cdSize = r.u32();
  let cdOffset = r.u32();
  let zip64 = false;
  const eocdAbs = tailStart + eocd;
  const locatorAt = eocd - 20;
  if (locatorAt >= 0 && view.getUint32(locatorAt, true) === SIG.zip64Locator) {
    const l = new LeReader(tail, locatorAt + 4, 'zip64 locator');
    const locDisk = l.u32();
    const eocd64Offset = l.u64();
    const disks = l.u32();
    if (locDisk !== 0 || disks > 1) throw malformedZip('multi-volume archives are not supported', { file: path });
    if (eocd64Offset + 56 > eocdAbs) throw malformedZip('the zip64 end of central directory record is out of place', { file: path });
    const z = new LeReader(await readFull(fd, eocd64Offset, 56, path), 0, 'zip64 end of central directory record');
    if (z.u32() !== SIG.zip64Eocd) throw malformedZip('the zip64 end of central directory record is missing', { file: path });
    z.u64();
    z.u16();
    z.u16();
    const d64 = z.u32();
    const cd64 = z.u32();
    if (d64 !== 0 || cd64 !== 0) throw malformedZip('multi-volume archives are not supported', { file: path });
    countDisk = z.u64();
    count = z.u64();
    cdSize = z.u64();
    cdOffset = z.u64();
    zip64 = true;
  } else if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
    throw new ScelleError('TRUNCATED', `${path}: the zip64 records the end of the archive refers to are missing: the archive is truncated or corrupt`, { params: { file: path } });
  }
  if (!zip64 && (disk !== 0 || cdDisk !== 0)) throw malformedZip('multi-volume archives are not supported', { file: path });
  if (countDisk !== count) throw malformedZip('multi-volume archives are not supported', { file: path });
  const cdEndLimit = zip64 ? eocdAbs - 20 - 56 : eocdAbs;
  if (cdOffset + cdSize > cdEndLimit) {
    throw new ScelleError('TRUNCATED', `${path}: the central directory lies outside the file: the archive is truncated or corrupt`, { params: { file: path } });
  }
  if (cdSize > maxCd) throw malformedZip(`the central directory is ${cdSize} bytes, more than the ${maxCd} accepted`, { file: path });
  if (count > cdSize / 46) throw malformedZip(`the archive claims ${count} entries in a ${cdSize}-byte central directory`, { file: path });
  const cd = await readFull(fd, cdOffset, cdSize, path);
  const entries = parseCentralDirectory(cd, count, path);
  for (const e of entries) {
    if (e.localHeaderOffset + 30 + e.compressedSize > cdOffset) {
      throw new ScelleError('TRUNCATED', `the data of "${e.name}" runs past the central directory: the archive is truncated or corrupt`, { params: { entry: e.name } });
    }
  }
  // Entries whose data overlap (a "non-recursive" zip bomb, or a forgery): refused.
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!;
    const cur = byOffset[i]!;
    if (prev.localHeaderOffset + 30 + prev.rawName.byteLength + prev.compressedSize > cur.localHeaderOffset) {
      throw new ScelleError('ARCHIVE_BOMB', `"${prev.name}" and "${cur.name}" share data: refused as a possible zip bomb`, { params: { entry: cur.name } });
    }
  }
  return { entries, cdOffset, zip64 };
}

/** The modification time: NTFS extra (100 ns, 7-Zip and Windows), else extended timestamp (s), else MS-DOS (2 s, local). */
function entryTime(extras: Map<number, Uint8Array>, date: number, time: number): Date {
  const ntfs = extras.get(EXTRA.ntfs);
  if (ntfs !== undefined && ntfs.byteLength >= 32) {
    const v = new DataView(ntfs.buffer, ntfs.byteOffset, ntfs.byteLength);
    for (let o = 4; o + 4 <= ntfs.byteLength;) {
      const tag = v.getUint16(o, true);
      const size = v.getUint16(o + 2, true);
      if (tag === 1 && size >= 8 && o + 12 <= ntfs.byteLength) {
        const ft = v.getBigUint64(o + 4, true);
        if (ft > 0n) return new Date(Number(ft / 10000n) - 11_644_473_600_000);
      }
      o += 4 + size;
    }
  }
  const ext = extras.get(EXTRA.extTime);
  if (ext !== undefined && ext.byteLength >= 5 && (ext[0]! & 1) !== 0) {
    return new Date(new DataView(ext.buffer, ext.byteOffset, ext.byteLength).getInt32(1, true) * 1000);
  }
  return fromDosDateTime(date, time);
}

async function startsWithLocalHeader(fd: number): Promise<boolean> {
  const b = new Uint8Array(4);
  const n = await fsRead(fd, b, 0);
  return n === 4 && new DataView(b.buffer).getUint32(0, true) === SIG.localFile;
}

function parseCentralDirectory(cd: Uint8Array, count: number, path: string): ZipEntry[] {
  const r = new LeReader(cd, 0, 'central directory');
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index++) {
    if (r.u32() !== SIG.centralFile) throw malformedZip(`central directory entry ${index + 1} is damaged`, { file: path });
    const madeBy = r.u16();
    r.u16();
    const flags = r.u16();
    const storedMethod = r.u16();
    const time = r.u16();
    const date = r.u16();
    const crc = r.u32();
    let compressedSize = r.u32();
    let size = r.u32();
    const nameLength = r.u16();
    const extraLength = r.u16();
    const commentLength = r.u16();
    const diskStart = r.u16();
    r.u16();
    const extAttr = r.u32();
    let localHeaderOffset = r.u32();
    const rawName = r.take(nameLength);
    const extras = parseExtraFields(r.take(extraLength));
    r.take(commentLength);

    const z64 = extras.get(EXTRA.zip64);
    if (z64 !== undefined) {
      const zr = new LeReader(z64, 0, 'zip64 extra field');
      if (size === U32_MAX) size = zr.u64();
      if (compressedSize === U32_MAX) compressedSize = zr.u64();
      if (localHeaderOffset === U32_MAX) localHeaderOffset = zr.u64();
      if (diskStart === U16_MAX) zr.u32();
    } else if (size === U32_MAX || compressedSize === U32_MAX || localHeaderOffset === U32_MAX) {
      throw malformedZip(`entry ${index + 1} needs a zip64 extra field and has none`, { file: path });
    }
    if (diskStart !== 0 && diskStart !== U16_MAX) throw malformedZip('multi-volume archives are not supported', { file: path });

    let name: string;
    const up = extras.get(EXTRA.unicodePath);
    try {
      if ((flags & FLAG.utf8) !== 0) name = utf8.decode(rawName);
      else if (up !== undefined && up.byteLength > 5 && up[0] === 1 && new DataView(up.buffer, up.byteOffset).getUint32(1, true) === crc32(rawName) >>> 0) name = utf8.decode(up.subarray(5));
      else name = decodeCp437(rawName);
    } catch {
      throw malformedZip(`the name of entry ${index + 1} is not valid UTF-8`, { file: path });
    }

    let method = storedMethod;
    let aes: ZipEntry['aes'];
    if (storedMethod === METHOD.aes) {
      const a = extras.get(EXTRA.aes);
      if (a === undefined || a.byteLength < 7) throw malformedZip(`"${name}" has method 99 (AES) but no WinZip AES extra field`, { entry: name });
      const ar = new LeReader(a, 0, 'WinZip AES extra field');
      const version = ar.u16();
      const vendor = ar.u16();
      const strength = ar.u8();
      method = ar.u16();
      if (vendor !== 0x4541) throw malformedZip(`"${name}": unknown AES vendor in its extra field`, { entry: name });
      if (version !== 1 && version !== 2) throw new ScelleError('UNSUPPORTED_ALGORITHM', `"${name}": WinZip AES version ${version} is unknown`, { params: { entry: name } });
      if (strength !== 1 && strength !== 2 && strength !== 3) throw new ScelleError('UNSUPPORTED_ALGORITHM', `"${name}": WinZip AES strength ${strength} is unknown`, { params: { entry: name } });
      if ((flags & FLAG.encrypted) === 0) throw malformedZip(`"${name}" has method 99 (AES) without the encrypted flag`, { entry: name });
      aes = { version, strength };
    }

    const hostUnixMode = extAttr >>> 16;
    const unixMode = hostUnixMode !== 0 ? hostUnixMode : undefined;
    const type = (unixMode ?? 0) & 0o170000;
    const directory = name.endsWith('/') || type === 0o040000 || ((madeBy >> 8) === 0 && (extAttr & 0x10) !== 0 && size === 0);
    const mtime = entryTime(extras, date, time);
    entries.push({
      index, name, method, ...(aes !== undefined ? { aes } : {}), encrypted: (flags & FLAG.encrypted) !== 0,
      compressedSize, size, crc32: crc, localHeaderOffset, mtime, directory,
      ...(unixMode !== undefined ? { unixMode } : {}), symlink: type === 0o120000, flags, storedMethod, rawName,
    });
  }
  return entries;
}
