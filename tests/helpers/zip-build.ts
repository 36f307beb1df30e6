/** Builds zips in memory or on disk with scelle's low-level ZipWriter (names are not checked: hostile archives too). */
import { writeFileSync } from 'node:fs';
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
