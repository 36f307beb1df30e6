/**
 * Compression of chunks: gzip (RFC 1952), so that `gunzip` reads a chunk by hand in 20 years.
 * Incompressible data (scans, JPEG, already-compressed PDFs, encrypted files) is never fed to
 * deflate, which crawls on it (~20 MiB/s): each 64 KiB region is classified by the byte entropy of
 * samples at its two ends (in 8 KiB pieces when they differ), runs of compressible regions become gzip members (level 4 by default: 10 % smaller than level 1 on letters, at about the same speed here), and incompressible runs
 * gzip members of stored deflate blocks, made here (block headers and a CRC; the bytes are not
 * copied, they are encrypted straight from the chunk). Concatenated members are one valid gzip stream
 * (RFC 1952 §2.2). A chunk that does not shrink by at least 1/16 is stored raw.
 */
import { crc32, gunzipSync, gzipSync } from 'node:zlib';

const REGION = 64 * 1024;
const SAMPLE = 4096;
/** A region is sampled at both ends, half a sample each. */
const HALF_SAMPLE = SAMPLE / 2;
/** A region whose ends differ is classified in pieces this size, by a sample of each. */
const SUBREGION = 8 * 1024;
const SUBSAMPLE = 1024;
/** Order-0 entropy (bits/byte) above which a sample is taken for incompressible. */
const ENTROPY_LIMIT = 7.2;

const counts = new Uint32Array(256);
const LOG2 = new Float64Array(SAMPLE + 1).map((_, i) => (i === 0 ? 0 : i * Math.log2(i)));

function compressible(buf: Uint8Array, start: number, end: number): boolean {
  const n = Math.min(SAMPLE, end - start);
  if (n < 64) return true;
  counts.fill(0);
  for (let i = start; i < start + n; i++) counts[buf[i]!]!++;
  // H = log2(n) - Σ c·log2(c) / n
  let s = 0;
  for (let b = 0; b < 256; b++) s += LOG2[counts[b]!]!;
  return Math.log2(n) - s / n < ENTROPY_LIMIT;
}

/** The stored form of a chunk, in pieces to be encrypted one after the other (no joined copy). */
export interface StoredChunk {
  /** gzip bytes (`z` = 1) or the chunk itself (`z` = 0), in order; views of the chunk where stored. */
  parts: Uint8Array[];
  /** Total bytes of `parts`. */
  size: number;
  z: 0 | 1;
}

/** The gzip header zlib writes for level 0 (no name, no time, XFL 4 "fastest", OS 3 Unix). */
const STORED_HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3);
/** Largest stored deflate block (RFC 1951 §3.2.4: LEN is 16 bits). */
const STORED_BLOCK = 65535;

/**
 * A gzip member of stored deflate blocks holding `data` (what `gzipSync(data, { level: 0 })`
 * makes): the block headers and the trailer are a few bytes of their own, the data is not copied.
 */
function storedMember(data: Uint8Array, out: Uint8Array[]): number {
  out.push(STORED_HEADER);
  let size = STORED_HEADER.length;
  for (let p = 0; p < data.length || p === 0; p += STORED_BLOCK) {
    const n = Math.min(STORED_BLOCK, data.length - p);
    const last = p + n >= data.length;
    out.push(Uint8Array.of(last ? 1 : 0, n & 0xff, n >>> 8, ~n & 0xff, (~n >>> 8) & 0xff));
    if (n > 0) out.push(data.subarray(p, p + n));
    size += 5 + n;
  }
  const t = Buffer.allocUnsafe(8);
  t.writeUInt32LE(crc32(data), 0);
  t.writeUInt32LE(data.length >>> 0, 4);
  out.push(t);
  return size + 8;
}

/**
 * The stored form of a chunk: gzip members (`z` = 1) or the chunk itself (`z` = 0). Incompressible
 * runs are stored deflate blocks made here (a CRC over the bytes, no copy of them).
 */
export function compressChunkParts(chunk: Uint8Array, level = 4): StoredChunk {
  const runs: { start: number; end: number; c: boolean }[] = [];
  const add = (start: number, end: number, c: boolean): void => {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.c === c) last.end = end;
    else runs.push({ start, end, c });
  };
  for (let p = 0; p < chunk.length; p += REGION) {
    const end = Math.min(chunk.length, p + REGION);
    const c = compressible(chunk, p, Math.min(end, p + HALF_SAMPLE));
    if (end - p < 2 * HALF_SAMPLE || compressible(chunk, end - HALF_SAMPLE, end) === c) {
      add(p, end, c);
      continue;
    }
    // the two ends differ (a document's text then its embedded image): the region in small pieces,
    // so that deflate is not fed the incompressible half of it
    for (let q = p; q < end; q += SUBREGION) add(q, Math.min(end, q + SUBREGION), compressible(chunk, q, Math.min(end, q + SUBSAMPLE)));
  }
  const raw: StoredChunk = { parts: [chunk], size: chunk.length, z: 0 };
  if (!runs.some((r) => r.c)) return raw;
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const r of runs) {
    const piece = chunk.subarray(r.start, r.end);
    if (r.c) {
      const g = gzipSync(piece, { level });
      parts.push(g);
      size += g.length;
    } else size += storedMember(piece, parts);
  }
  if (size > chunk.length - (chunk.length >> 4)) return raw;
  return { parts, size, z: 1 };
}

/** The stored form of a chunk as one buffer: gzip bytes (`z` = 1) or the chunk itself (`z` = 0). */
export function compressChunk(chunk: Uint8Array, level = 4): { data: Uint8Array; z: 0 | 1 } {
  const s = compressChunkParts(chunk, level);
  return { data: s.parts.length === 1 ? s.parts[0]! : Buffer.concat(s.parts, s.size), z: s.z };
}

/** Largest output buffer allocated ahead for a chunk (chunks are at most 8 MiB). */
const MAX_OUT_AHEAD = 16 * 1024 * 1024;

/**
 * The chunk from its stored form. The output buffer is allocated at the chunk's size (plus room
 * to see the end of the stream): zlib's default 16 KiB pieces, concatenated at the end, cost a
 * quarter more CPU on restore and verify.
 */
export function decompressChunk(data: Uint8Array, z: number, rawLength: number): Uint8Array {
  if (z === 0) return data;
  return gunzipSync(data, { maxOutputLength: Math.max(rawLength, 1), chunkSize: Math.min(Math.max(rawLength, 0), MAX_OUT_AHEAD) + 64 });
}
