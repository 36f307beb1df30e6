/** Builds zips in memory or on disk with scelle's low-level ZipWriter (names are not checked: hostile archives too). */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { ZipWriter, type ZipWriterOptions } from '../../src/crypto/zip/writer.js';

/** One entry to write. */
export interface BuildEntry {
  name: string;
  data?: Uint8Array | string;
  directory?: boolean;
  unixMode?: number;
  mtime?: Date;
  /** Stream the data in pieces of this size (forces the large-entry path when the size hint is big). */
  sizeHint?: number;
}

/** The zip's bytes. */
export async function buildZip(entries: readonly BuildEntry[], options: ZipWriterOptions = {}): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const w = new ZipWriter(async (c) => {
    parts.push(c.slice());
  }, options);
  for (const e of entries) {
    const mtime = e.mtime ?? new Date('2026-03-04T05:06:08Z');
    if (e.directory) {
      await w.addDirectory({ name: e.name, mtime, ...(e.unixMode !== undefined ? { unixMode: e.unixMode } : {}) });
      continue;
    }
    const data = typeof e.data === 'string' ? new TextEncoder().encode(e.data) : e.data ?? new Uint8Array(0);
    const meta = { name: e.name, mtime, ...(e.unixMode !== undefined ? { unixMode: e.unixMode } : {}) };
    await w.writePrepared(w.prepareFile(meta, () => pieces(data, 1024 * 1024), e.sizeHint ?? data.byteLength));
  }
  await w.finish();
  return Buffer.concat(parts);
}

/** Writes {@link buildZip}'s result to `path`. */
export async function writeZip(path: string, entries: readonly BuildEntry[], options: ZipWriterOptions = {}): Promise<Buffer> {
  const z = await buildZip(entries, options);
  writeFileSync(path, z);
  return z;
}

async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  if (data.byteLength === 0) return;
  for (let o = 0; o < data.byteLength; o += size) yield data.slice(o, Math.min(data.byteLength, o + size));
}

/** Offsets of a 4-byte little-endian signature in a buffer. */
export function findSignature(buf: Uint8Array, sig: number): number[] {
  const out: number[] = [];
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i + 4 <= buf.byteLength; i++) if (v.getUint32(i, true) === sig) out.push(i);
  return out;
}

/**
 * Writes, fast, a plain zip of `count` empty files (`dNNNN/fNNNNNNN.txt`, a thousand per folder)
 * — for the entry cap and bounded-memory tests, where building it entry by entry would take minutes.
 * Zip64 end records when there are more than 65 535 entries.
 */
export function writeManyEmptyFiles(path: string, count: number): void {
  const fd = openSync(path, 'w');
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  let offset = 0;
  const out = (b: Buffer): void => {
    pending.push(b);
    pendingBytes += b.byteLength;
    offset += b.byteLength;
    if (pendingBytes >= 1 << 20) flush();
  };
  const flush = (): void => {
    writeSync(fd, Buffer.concat(pending));
    pending.length = 0;
    pendingBytes = 0;
  };
  const name = (i: number): Buffer => Buffer.from(`d${String(Math.floor(i / 1000)).padStart(4, '0')}/f${String(i).padStart(7, '0')}.txt`);
  const dosTime = 0x6000; // 12:00:00
  const dosDate = ((2026 - 1980) << 9) | (3 << 5) | 4;
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const n = name(i);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0); h.writeUInt16LE(20, 4); h.writeUInt16LE(0x0800, 6); h.writeUInt16LE(0, 8);
    h.writeUInt16LE(dosTime, 10); h.writeUInt16LE(dosDate, 12); h.writeUInt16LE(n.byteLength, 26);
    offsets.push(offset);
    out(h);
    out(n);
  }
  const cdOffset = offset;
  for (let i = 0; i < count; i++) {
    const n = name(i);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0); c.writeUInt16LE((3 << 8) | 63, 4); c.writeUInt16LE(20, 6); c.writeUInt16LE(0x0800, 8); c.writeUInt16LE(0, 10);
    c.writeUInt16LE(dosTime, 12); c.writeUInt16LE(dosDate, 14); c.writeUInt16LE(n.byteLength, 28);
    c.writeUInt32LE((0o100644 << 16) >>> 0, 38); c.writeUInt32LE(offsets[i]!, 42);
    out(c);
    out(n);
  }
  const cdSize = offset - cdOffset;
  if (count > 0xffff) {
    const z = Buffer.alloc(56);
    z.writeUInt32LE(0x06064b50, 0); z.writeBigUInt64LE(44n, 4); z.writeUInt16LE((3 << 8) | 63, 12); z.writeUInt16LE(45, 14);
    z.writeBigUInt64LE(BigInt(count), 24); z.writeBigUInt64LE(BigInt(count), 32); z.writeBigUInt64LE(BigInt(cdSize), 40); z.writeBigUInt64LE(BigInt(cdOffset), 48);
    const zOffset = offset;
    out(z);
    const l = Buffer.alloc(20);
    l.writeUInt32LE(0x07064b50, 0); l.writeBigUInt64LE(BigInt(zOffset), 8); l.writeUInt32LE(1, 16);
    out(l);
  }
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(Math.min(count, 0xffff), 8); e.writeUInt16LE(Math.min(count, 0xffff), 10);
  e.writeUInt32LE(count > 0xffff ? 0xffffffff : cdSize, 12); e.writeUInt32LE(count > 0xffff ? 0xffffffff : cdOffset, 16);
  out(e);
  flush();
  closeSync(fd);
}
