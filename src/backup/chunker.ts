/**
 * Content-defined chunking: FastCDC (Xia et al., USENIX ATC 2016) with a Gear rolling hash and
 * normalized chunking. A cut depends only on the 32 bytes before it, so inserting bytes in a file
 * moves the cuts near the insertion and nowhere else: the other chunks keep their ids and dedup.
 *
 * The Gear table is derived from a per-repository secret (like restic's per-repository
 * polynomial), so chunk boundaries do not reveal which known file a repository holds.
 *
 * Speed: the inner loop is plain int32 arithmetic over a Uint8Array, in WebAssembly for the
 * buffer {@link Chunker.readBuffer} gives (gear-wasm.ts), in JavaScript otherwise; nothing is
 * hashed before `min` (FastCDC's cut-point skipping), so a 1 MiB average costs about half a pass.
 */
import { createHmac } from 'node:crypto';
import { gearScan, type GearScan } from './gear-wasm.js';

/** Chunk size bounds (bytes). */
export interface ChunkerParams {
  min: number;
  avg: number;
  max: number;
}

/** 512 KiB ≤ chunk ≤ 8 MiB, about 1 MiB on average (restic's figures). */
export const DEFAULT_CHUNKER: ChunkerParams = { min: 512 * 1024, avg: 1024 * 1024, max: 8 * 1024 * 1024 };

/** The 256 Gear values for a repository: HMAC-SHA256(seed, "gear" ‖ i), first 4 bytes. */
export function gearTable(seed: Uint8Array): Int32Array {
  const out = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    const h = createHmac('sha256', seed).update(`gear ${i}`).digest();
    out[i] = h.readInt32LE(0);
  }
  return out;
}

/** A mask of `bits` ones in the top bits of an int32 (the Gear hash mixes upwards). */
function topMask(bits: number): number {
  return bits >= 32 ? -1 : ((-1 << (32 - bits)) | 0);
}

/** A chunker bound to a Gear table and bounds: `cut` finds the next boundary. */
export class Chunker {
  readonly params: ChunkerParams;
  readonly #gear: Int32Array;
  readonly #maskS: number;
  readonly #maskL: number;
  #scan: GearScan | undefined;

  constructor(gear: Int32Array, params: ChunkerParams = DEFAULT_CHUNKER) {
    if (!(params.min > 0 && params.min <= params.avg && params.avg <= params.max)) throw new RangeError('chunker: need 0 < min ≤ avg ≤ max');
    this.params = params;
    this.#gear = gear;
    // Normalized chunking (FastCDC §3.4): after `min`, the expected distance to a cut is
    // (avg - min); a stricter mask until `avg`, a looser one after, narrows the distribution.
    const bits = Math.max(1, Math.round(Math.log2(Math.max(2, params.avg - params.min))));
    this.#maskS = topMask(bits + 1);
    this.#maskL = topMask(Math.max(1, bits - 1));
  }

  /**
   * A buffer of `size` bytes to read data into and cut: this chunker scans it in WebAssembly
   * (gear-wasm.ts) when the runtime has it, with the same cuts; any other buffer is scanned in
   * JavaScript. The buffer of an earlier call is scanned in JavaScript from then on.
   */
  readBuffer(size: number): Buffer {
    this.#scan = gearScan(this.#gear, size);
    return this.#scan?.buffer ?? Buffer.allocUnsafeSlow(size);
  }

  /**
   * Length of the chunk starting at `start` in `buf[start, end)`. When `final` is false and no
   * cut is found before `end`, returns -1: give more data (unless `max` bytes are already there).
   */
  cut(buf: Uint8Array, start: number, end: number, final: boolean): number {
    const { min, avg, max } = this.params;
    const n = end - start;
    if (n <= min) return final ? n : (n === max ? n : -1);
    const gear = this.#gear;
    const limit = Math.min(n, max);
    const normal = Math.min(limit, avg);
    let i = start + min - 32 > start ? start + min - 32 : start;
    // warm the hash over the 32 bytes before min so the first candidate has a full window
    const warmEnd = start + min;
    const maskS = this.#maskS;
    const maskL = this.#maskL;
    const e1 = start + normal;
    const e2 = start + limit;
    const scan = this.#scan;
    if (scan !== undefined && buf.buffer === scan.buffer.buffer) {
      const o = buf.byteOffset - scan.buffer.byteOffset;
      const r = scan.cut(o + i, o + warmEnd, o + e1, o + e2, maskS, maskL);
      if (r >= 0) return r - o - start;
    } else {
      let h = 0;
      for (; i < warmEnd; i++) h = ((h << 1) + gear[buf[i]!]!) | 0;
      for (; i < e1; i++) {
        h = ((h << 1) + gear[buf[i]!]!) | 0;
        if ((h & maskS) === 0) return i + 1 - start;
      }
      for (; i < e2; i++) {
        h = ((h << 1) + gear[buf[i]!]!) | 0;
        if ((h & maskL) === 0) return i + 1 - start;
      }
    }
    if (limit === max) return max;
    return final ? n : -1;
  }

  /** Every chunk length of a whole buffer. */
  split(buf: Uint8Array): number[] {
    const out: number[] = [];
    let p = 0;
    while (p < buf.length) {
      const len = this.cut(buf, p, buf.length, true);
      out.push(len);
      p += len;
    }
    return out;
  }
}
