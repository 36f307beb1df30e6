/**
 * Compression of chunks: gzip (RFC 1952), so that `gunzip` reads a chunk by hand in 20 years.
 * Incompressible data (scans, JPEG, already-compressed PDFs, encrypted files) is never fed to
 * deflate, which crawls on it (~20 MiB/s): each 64 KiB region is classified by the byte entropy of
 * a sample, runs of compressible regions become gzip members (level 4 by default: 10 % smaller than level 1 on letters, at about the same speed here), and incompressible runs
 * stored gzip members (level 0: a copy and a CRC). Concatenated members are one valid gzip stream
 * (RFC 1952 §2.2). A chunk that does not shrink by at least 1/16 is stored raw.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

const REGION = 64 * 1024;
const SAMPLE = 4096;
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

/** The stored form of a chunk: gzip bytes (`z` = 1) or the chunk itself (`z` = 0). */
export function compressChunk(chunk: Uint8Array, level = 1): { data: Uint8Array; z: 0 | 1 } {
  const runs: { start: number; end: number; c: boolean }[] = [];
  for (let p = 0; p < chunk.length; p += REGION) {
    const end = Math.min(chunk.length, p + REGION);
    const c = compressible(chunk, p, end);
    const last = runs[runs.length - 1];
    if (last !== undefined && last.c === c) last.end = end;
    else runs.push({ start: p, end, c });
  }
  if (!runs.some((r) => r.c)) return { data: chunk, z: 0 };
  const parts = runs.map((r) => gzipSync(chunk.subarray(r.start, r.end), { level: r.c ? level : 0 }));
  const size = parts.reduce((a, b) => a + b.length, 0);
  if (size > chunk.length - (chunk.length >> 4)) return { data: chunk, z: 0 };
  return { data: parts.length === 1 ? parts[0]! : Buffer.concat(parts, size), z: 1 };
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
