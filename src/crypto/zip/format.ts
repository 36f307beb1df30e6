/**
 * Zip structures (PKWARE APPNOTE.TXT 6.3.10): record signatures, general purpose flags, MS-DOS
 * date and time, and the extra fields scelle writes and reads:
 * - 0x0001 zip64 extended information (APPNOTE §4.5.3),
 * - 0x5455 extended timestamp (Info-ZIP, "UT": flags + Unix mtime, UTC),
 * - 0x7075 Info-ZIP Unicode path (read only: names of archivers that do not set bit 11),
 * - 0x9901 WinZip AES (AE-x spec: vendor version, vendor id "AE", strength, real method).
 */
import { ScelleError } from '../../errors.js';

export const SIG = {
  localFile: 0x04034b50,
  centralFile: 0x02014b50,
  dataDescriptor: 0x08074b50,
  zip64Eocd: 0x06064b50,
  zip64Locator: 0x07064b50,
  eocd: 0x06054b50,
} as const;

/** General purpose bit flags (APPNOTE §4.4.4). */
export const FLAG = {
  encrypted: 0x0001,
  dataDescriptor: 0x0008,
  strongEncryption: 0x0040,
  utf8: 0x0800,
  centralDirectoryEncrypted: 0x2000,
} as const;

/** Compression methods. 99 is WinZip AES: the real method is in the 0x9901 extra field. */
export const METHOD = { stored: 0, deflate: 8, aes: 99 } as const;

export const EXTRA = { zip64: 0x0001, ntfs: 0x000a, extTime: 0x5455, unicodePath: 0x7075, aes: 0x9901 } as const;

/** "version needed to extract": 2.0 (deflate, folders), 4.5 (zip64), 5.1 (AES, as 7-Zip and WinZip write). */
export const VERSION = { deflate: 20, zip64: 45, aes: 51 } as const;
/** "version made by": upper byte 3 = Unix (external attributes carry a Unix mode), lower byte 6.3. */
export const MADE_BY_UNIX = (3 << 8) | 63;

export const U32_MAX = 0xffffffff;
export const U16_MAX = 0xffff;

/** MS-DOS date and time (local time, 2-second resolution, 1980–2107), as zip stores them. */
export function toDosDateTime(d: Date): { date: number; time: number } {
  let year = d.getFullYear();
  if (Number.isNaN(year) || year < 1980) return { date: (0 << 9) | (1 << 5) | 1, time: 0 };
  if (year > 2107) year = 2107;
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
  };
}

/** Inverse of {@link toDosDateTime}, in local time. */
export function fromDosDateTime(date: number, time: number): Date {
  const day = date & 0x1f;
  const month = (date >> 5) & 0x0f;
  return new Date(1980 + (date >> 9), Math.max(month, 1) - 1, Math.max(day, 1), time >> 11, (time >> 5) & 0x3f, (time & 0x1f) * 2);
}

/** A little-endian writer over a fixed-size buffer. */
export class LeWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  offset = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(v: number): this {
    this.view.setUint8(this.offset, v);
    this.offset += 1;
    return this;
  }
  u16(v: number): this {
    this.view.setUint16(this.offset, v, true);
    this.offset += 2;
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.offset, v >>> 0, true);
    this.offset += 4;
    return this;
  }
  u64(v: number): this {
    this.view.setBigUint64(this.offset, BigInt(v), true);
    this.offset += 8;
    return this;
  }
  raw(b: Uint8Array): this {
    this.bytes.set(b, this.offset);
    this.offset += b.byteLength;
    return this;
  }
}

/** Little-endian reads with bounds checks that throw a ScelleError instead of a RangeError. */
export class LeReader {
  private readonly view: DataView;
  offset: number;
  constructor(readonly bytes: Uint8Array, offset = 0, private readonly what = 'zip record') {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }
  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }
  private need(n: number): void {
    if (this.offset + n > this.bytes.byteLength) throw malformedZip(`the ${this.what} is cut short`);
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformedZip(`a 64-bit size or offset in the ${this.what} is out of range`);
    return Number(v);
  }
  take(n: number): Uint8Array {
    this.need(n);
    const b = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
}

/**
 * A structural error in a zip. scelle has no MALFORMED_ZIP code: a file that is not a valid zip is
 * a MALFORMED_ARCHIVE, with a message that says what is wrong.
 */
export function malformedZip(detail: string, params: Record<string, string | number> = {}): ScelleError {
  return new ScelleError('MALFORMED_ARCHIVE', `not a valid zip archive: ${detail}`, { params });
}

/** Extra fields as id → data (the first occurrence of each id wins). */
export function parseExtraFields(extra: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const r = new LeReader(extra, 0, 'extra field');
  // Some archivers pad the extra area with a few zero bytes: stop at anything too short for a header.
  while (r.remaining >= 4) {
    const id = r.u16();
    const size = r.u16();
    if (size > r.remaining) break;
    const data = r.take(size);
    if (!out.has(id)) out.set(id, data);
  }
  return out;
}

/** One extra field: id, size, data. */
export function extraField(id: number, data: Uint8Array): Uint8Array {
  return new LeWriter(4 + data.byteLength).u16(id).u16(data.byteLength).raw(data).bytes;
}

/** The WinZip AES extra field (0x9901): vendor version 1 (AE-1) or 2 (AE-2), "AE", strength, real method. */
export function aesExtraField(version: 1 | 2, strength: 1 | 2 | 3, method: number): Uint8Array {
  return extraField(EXTRA.aes, new LeWriter(7).u16(version).u8(0x41).u8(0x45).u8(strength).u16(method).bytes);
}

/** The extended timestamp extra field (0x5455) with the modification time only (flag bit 0). */
export function extTimeExtraField(mtime: Date): Uint8Array | undefined {
  const seconds = Math.floor(mtime.getTime() / 1000);
  // The field holds a signed 32-bit Unix time: outside 1901–2038 the DOS time alone is kept.
  if (!Number.isFinite(seconds) || seconds < -0x80000000 || seconds > 0x7fffffff) return undefined;
  const w = new LeWriter(5).u8(1);
  new DataView(w.bytes.buffer).setInt32(1, seconds, true);
  return extraField(EXTRA.extTime, w.bytes);
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}
