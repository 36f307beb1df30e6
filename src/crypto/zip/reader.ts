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
import { close, fstat, open, read } from 'node:fs';
import { crc32 } from 'node:zlib';
import { ScelleError } from '../../errors.js';
import { fsError } from '../../io/fs-errors.js';
import {
  EXTRA, FLAG, LeReader, METHOD, SIG, U16_MAX, U32_MAX,
  fromDosDateTime, malformedZip, parseExtraFields,
} from './format.js';
import { EntryReader, type ReadEntryOptions, type ZipEntry } from './entry-reader.js';
import type { WinZipAesKeys } from './winzip-aes.js';

export { assertReadable, EntryReader } from './entry-reader.js';
export type { ZipEntry, ReadEntryOptions, EntryReaderOptions } from './entry-reader.js';

/** Options of {@link ZipReader.open}. */
export interface ZipReaderOptions {
  /** Largest central directory read (default 256 MiB, about 2.5 million entries). */
  maxCentralDirectoryBytes?: number;
  /**
   * Most entries accepted (default {@link DEFAULT_MAX_ENTRIES}): checked on the end record,
   * before the central directory is read, so that memory stays bounded (TOO_MANY_ENTRIES).
   */
  maxEntries?: number;
}

/**
 * Default cap on the entries of an archive: about 300 bytes of memory each while it is open, so
 * an import stays within ~100 MiB; raise it for larger archives.
 */
export const DEFAULT_MAX_ENTRIES = 250_000;

/** The central directory is parsed from windows of this size: never held whole in memory. */
const CD_WINDOW = 1024 * 1024;

const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function decodeCp437(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += c < 0x80 ? String.fromCharCode(c) : CP437_HIGH[c - 0x80]!;
  return s;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function fsRead(fd: number, buf: Uint8Array, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, 0, buf.byteLength, position, (e, n) => (e ? reject(e) : resolve(n))));
}

/** An open zip file. Close it with {@link ZipReader.close}. */
export class ZipReader {
  private closed = false;
  private readonly data: EntryReader;
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
  ) {
    this.data = new EntryReader(fd, path, centralDirectoryOffset);
  }

  /** The descriptor of the open file (for readers in other threads of this process). */
  get descriptor(): number {
    return this.fd;
  }

  /** The reader of entry data in this thread. */
  get entryReader(): EntryReader {
    return this.data;
  }

  /**
   * Opens a zip and reads its central directory.
   * @throws ScelleError `FILE_NOT_FOUND`, `NOT_A_FILE`, `PERMISSION_DENIED`, `IO_ERROR`,
   *   `TRUNCATED` (the end records or the central directory are cut off), `MALFORMED_ARCHIVE`
   *   (not a zip, malformed, multi-volume), `ARCHIVE_BOMB` (entries whose data overlap),
   *   `TOO_MANY_ENTRIES` (more than `maxEntries`; params `file`, `count`, `max`).
   */
  static async open(path: string, options: ZipReaderOptions = {}): Promise<ZipReader> {
    let fd: number;
    try {
      fd = await new Promise<number>((resolve, reject) => open(path, 'r', (e, n) => (e ? reject(e) : resolve(n))));
    } catch (e) {
      throw fsError(e, path, 'read');
    }
    try {
      const st = await new Promise<{ size: number; isFile(): boolean }>((resolve, reject) => fstat(fd, (e, s) => (e ? reject(e) : resolve(s))));
      if (!st.isFile()) throw new ScelleError('NOT_A_FILE', `${path} is not a regular file`, { params: { file: path } });
      const layout = await readLayout(fd, st.size, path, options.maxCentralDirectoryBytes ?? 256 * 1024 * 1024, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
      return new ZipReader(fd, path, st.size, layout.entries, layout.cdOffset, layout.zip64);
    } catch (e) {
      await new Promise<void>((resolve) => close(fd, () => resolve()));
      if (e instanceof ScelleError) throw e;
      if (e instanceof RangeError || e instanceof TypeError) throw malformedZip((e as Error).message, { file: path });
      throw fsError(e, path, 'read');
    }
  }

  /** Closes the file. Never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => close(this.fd, () => resolve()));
  }

  /**
   * Where an entry's data starts, after checking its local header against the central directory.
   * @throws ScelleError `MALFORMED_ARCHIVE`, `TRUNCATED`.
   */
  dataOffset(entry: ZipEntry): Promise<number> {
    return this.data.dataOffset(entry);
  }

  /**
   * The salt and verifier of an AES entry, and its derived keys; checks the password verifier.
   * @throws ScelleError `WRONG_PASSWORD`, `PASSWORD_REQUIRED`, `MALFORMED_ARCHIVE`, `TRUNCATED`.
   */
  deriveKeys(entry: ZipEntry, password: string | undefined): Promise<WinZipAesKeys> {
    return this.data.deriveKeys(entry, password);
  }

  /** The plaintext of a file entry, checked as it goes; see {@link EntryReader.readEntry}. */
  readEntry(entry: ZipEntry, options: ReadEntryOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    return this.data.readEntry(entry, options);
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

async function readLayout(fd: number, fileSize: number, path: string, maxCd: number, maxEntries: number): Promise<Layout> {
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
  if (count > cdSize / 46) throw malformedZip(`the archive claims ${count} entries in a ${cdSize}-byte central directory`, { file: path });
  if (count > maxEntries) {
    throw new ScelleError('TOO_MANY_ENTRIES', `${path} has ${count} entries, more than the limit of ${maxEntries}: refused before reading them (memory stays bounded); raise the limit if the archive is expected`, { params: { file: path, count, max: maxEntries } });
  }
  if (cdSize > maxCd) throw malformedZip(`the central directory is ${cdSize} bytes, more than the ${maxCd} accepted`, { file: path });
  const entries = await parseCentralDirectory(fd, cdOffset, cdSize, count, path);
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
    if (prev.localHeaderOffset + 30 + nameBytes(prev) + prev.compressedSize > cur.localHeaderOffset) {
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

/** Length of an entry's stored name. */
function nameBytes(e: ZipEntry): number {
  return e.rawName?.byteLength ?? Buffer.byteLength(e.name, 'utf8');
}

/**
 * Parses the central directory from the file in windows of {@link CD_WINDOW} bytes: the directory
 * of a large archive is never held whole in memory, only its parsed entries are.
 */
async function parseCentralDirectory(fd: number, cdOffset: number, cdSize: number, count: number, path: string): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  let window = new Uint8Array(0);
  let pos = 0;
  let read = 0;
  /** Makes sure `n` bytes from `pos` are in the window, reading further windows as needed. */
  const need = async (n: number): Promise<void> => {
    if (window.byteLength - pos >= n) return;
    const keep = window.subarray(pos);
    const more = Math.min(cdSize - read, Math.max(CD_WINDOW, n - keep.byteLength));
    if (keep.byteLength + more < n) throw malformedZip(`central directory entry ${entries.length + 1} is cut short`, { file: path });
    const next = new Uint8Array(keep.byteLength + more);
    next.set(keep);
    next.set(await readFull(fd, cdOffset + read, more, path), keep.byteLength);
    read += more;
    window = next;
    pos = 0;
  };
  for (let index = 0; index < count; index++) {
    await need(46);
    const head = new DataView(window.buffer, window.byteOffset + pos, 46);
    const recordLength = 46 + head.getUint16(28, true) + head.getUint16(30, true) + head.getUint16(32, true);
    await need(recordLength);
    entries.push(parseCentralRecord(window.subarray(pos, pos + recordLength), index, path));
    pos += recordLength;
  }
  return entries;
}

/** One central directory record (APPNOTE §4.3.12), with its extra fields. */
function parseCentralRecord(record: Uint8Array, index: number, path: string): ZipEntry {
  const r = new LeReader(record, 0, 'central directory');
  {
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
    const utf8Name = (flags & FLAG.utf8) !== 0;
    return {
      index, name, method, ...(aes !== undefined ? { aes } : {}), encrypted: (flags & FLAG.encrypted) !== 0,
      compressedSize, size, crc32: crc, localHeaderOffset, mtime, directory,
      ...(unixMode !== undefined ? { unixMode } : {}), symlink: type === 0o120000, flags, storedMethod,
      // A copy, so that the window it was read from is not kept alive by it.
      ...(utf8Name ? {} : { rawName: rawName.slice() }),
    };
  }
}
