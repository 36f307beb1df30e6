/**
 * WinZip AES encryption (the "AE-1"/"AE-2" specification, https://www.winzip.com/en/support/aes-encryption/,
 * implemented by 7-Zip, WinZip, Info-ZIP's successors):
 *
 * - keys: PBKDF2-HMAC-SHA1, 1 000 iterations, over the password's UTF-8 bytes and a per-entry salt
 *   (8/12/16 bytes for AES-128/192/256), giving `key ‖ mac key ‖ 2-byte password verifier`;
 * - data: AES in CTR mode whose 16-byte counter block is a **little-endian** integer starting at 1
 *   (Brian Gladman's fileenc). OpenSSL's AES-CTR increments a big-endian block, so it cannot be
 *   used as is: the keystream is AES-ECB over counter blocks built here in large batches (native,
 *   AES-NI), XORed with the data;
 * - authentication: HMAC-SHA1 over the *ciphertext*, truncated to 10 bytes, after the data.
 *
 * Entry payload: salt ‖ verifier ‖ ciphertext ‖ MAC. AE-1 keeps the CRC-32 of the plaintext in
 * the headers; AE-2 sets it to 0 (the CRC of a short file would leak its content).
 */
import { createCipheriv, createHmac, pbkdf2, pbkdf2Sync, timingSafeEqual, type Cipher, type Hmac } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ScelleError } from '../../errors.js';
import { pbkdf2Sha1Simd } from './pbkdf2-sha1-simd.js';
import { xorSimd } from './xor-simd.js';

/** AES strength code of the 0x9901 extra field: 1 = AES-128, 2 = AES-192, 3 = AES-256. */
export type AesStrength = 1 | 2 | 3;
/** AE-1 (CRC kept) or AE-2 (CRC 0). */
export type AesVersion = 1 | 2;

export const WINZIP_AES = {
  iterations: 1000,
  verifierBytes: 2,
  macBytes: 10,
  keyBytes: { 1: 16, 2: 24, 3: 32 } as Record<AesStrength, number>,
  saltBytes: { 1: 8, 2: 12, 3: 16 } as Record<AesStrength, number>,
} as const;

/** Keys of one entry. */
export interface WinZipAesKeys {
  strength: AesStrength;
  encryptionKey: Uint8Array;
  macKey: Uint8Array;
  /** The 2-byte password verifier stored after the salt. */
  verifier: Uint8Array;
}

function splitKeys(strength: AesStrength, derived: Uint8Array): WinZipAesKeys {
  const n = WINZIP_AES.keyBytes[strength];
  return { strength, encryptionKey: derived.subarray(0, n), macKey: derived.subarray(n, 2 * n), verifier: derived.subarray(2 * n, 2 * n + 2) };
}

function checkSalt(strength: AesStrength, salt: Uint8Array): void {
  if (salt.byteLength !== WINZIP_AES.saltBytes[strength]) {
    throw new ScelleError('USAGE', `a WinZip AES-${WINZIP_AES.keyBytes[strength] * 8} salt has ${WINZIP_AES.saltBytes[strength]} bytes, not ${salt.byteLength}`);
  }
}

/**
 * Derives an entry's keys (PBKDF2-HMAC-SHA1 × 1 000) in libuv's thread pool, so that the key
 * derivations of the next entries overlap the work on the current one. `cancelled` is asked when
 * the derivation's turn comes: true rejects it without deriving.
 * @throws ScelleError `USAGE` for a salt of the wrong length.
 */
export function deriveWinZipAesKeys(password: Uint8Array, salt: Uint8Array, strength: AesStrength, cancelled?: () => boolean): Promise<WinZipAesKeys> {
  checkSalt(strength, salt);
  const length = 2 * WINZIP_AES.keyBytes[strength] + WINZIP_AES.verifierBytes;
  return limited(() => new Promise((resolve, reject) => {
    // A derivation started ahead for an archive since abandoned: not worth 2 ms of a core.
    if (cancelled?.() === true) return reject(new ScelleError('INTERNAL', 'key derivation cancelled'));
    pbkdf2(password, salt, WINZIP_AES.iterations, length, 'sha1', (e, key) => (e ? reject(new ScelleError('INTERNAL', `key derivation failed: ${e.message}`, { cause: e })) : resolve(splitKeys(strength, new Uint8Array(key.buffer, key.byteOffset, key.byteLength)))));
  }));
}

/**
 * PBKDF2 jobs in libuv's pool at once: one per core, at most 3, so that at least one of the pool's
 * 4 threads stays free for file writes and deflate (a queue of 2 ms jobs in front of every write
 * halves the throughput).
 */
const MAX_KDF_JOBS = Math.max(1, Math.min(3, availableParallelism()));
let kdfJobs = 0;
const kdfWaiting: (() => void)[] = [];

async function limited<T>(job: () => Promise<T>): Promise<T> {
  if (kdfJobs >= MAX_KDF_JOBS) await new Promise<void>((resolve) => kdfWaiting.push(resolve));
  kdfJobs++;
  try {
    return await job();
  } finally {
    kdfJobs--;
    kdfWaiting.shift()?.();
  }
}

/**
 * Synchronous {@link deriveWinZipAesKeys}, for worker threads (whose own core does the work):
 * WebAssembly SIMD, four PBKDF2 blocks at once (pbkdf2-sha1-simd.ts), else OpenSSL.
 */
export function deriveWinZipAesKeysSync(password: Uint8Array, salt: Uint8Array, strength: AesStrength): WinZipAesKeys {
  checkSalt(strength, salt);
  const length = 2 * WINZIP_AES.keyBytes[strength] + WINZIP_AES.verifierBytes;
  const fast = pbkdf2Sha1Simd(password, salt, WINZIP_AES.iterations, length);
  if (fast !== undefined) return splitKeys(strength, fast.slice());
  const key = pbkdf2Sync(password, salt, WINZIP_AES.iterations, length, 'sha1');
  return splitKeys(strength, new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
}

/**
 * Counter blocks per native call: 4 Ki blocks = 64 KiB of keystream. Not more: OpenSSL's output
 * buffer is allocated per call, and above ~128 KiB the allocator maps fresh pages each time —
 * measured 4× the CPU of AES itself at 1 MiB per call.
 */
const PIECE_BLOCKS = 4096;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * AES-CTR with WinZip's little-endian counter (first block 1). Encryption and decryption are the
 * same XOR: {@link update} returns a new buffer and never modifies its input; {@link xorInPlace}
 * overwrites a buffer the caller owns (no allocation per chunk).
 */
export class WinZipCtr {
  private readonly ecb: Cipher;
  /** Number of the next counter block. */
  private counter = 1;
  /** Keystream bytes left over from the last block when a chunk did not end on a block boundary. */
  private spare: Uint8Array = new Uint8Array(0);
  /**
   * The counter blocks of one piece, reused: only their first word changes below 2^32 blocks.
   * Sized to the first need (a letter needs a few KiB, not the 64 KiB of a piece).
   */
  private blocks: Uint8Array | undefined;

  constructor(key: Uint8Array) {
    this.ecb = createCipheriv(`aes-${key.byteLength * 8}-ecb`, key, null);
    this.ecb.setAutoPadding(false);
  }

  /** `data` XORed with the next keystream bytes, in a new buffer. */
  update(data: Uint8Array): Uint8Array {
    const out = new Uint8Array(data);
    this.xorInPlace(out);
    return out;
  }

  /** XORs `buf` with the next keystream bytes, in place. */
  xorInPlace(buf: Uint8Array): void {
    const n = buf.byteLength;
    let off = 0;
    if (this.spare.byteLength > 0) {
      const lead = Math.min(this.spare.byteLength, n);
      xorInto(buf.subarray(0, lead), this.spare.subarray(0, lead));
      this.spare = this.spare.subarray(lead);
      off = lead;
    }
    while (off < n) {
      const count = Math.min(PIECE_BLOCKS, Math.ceil((n - off) / 16));
      const ks = this.keystream(count);
      const take = Math.min(count * 16, n - off);
      const dst = buf.subarray(off, off + take);
      if (!xorSimd(dst, ks)) xorInto(dst, ks.subarray(0, take));
      if (take < ks.byteLength) this.spare = ks.slice(take);
      off += take;
    }
  }

  /** `count` (≤ {@link PIECE_BLOCKS}) keystream blocks: AES-ECB over the little-endian counters. */
  private keystream(count: number): Uint8Array {
    if (this.blocks === undefined || this.blocks.byteLength < count * 16) {
      this.blocks = new Uint8Array(Math.min(PIECE_BLOCKS, Math.max(count, 2 * ((this.blocks?.byteLength ?? 0) >> 4))) * 16);
    }
    const ctr = this.blocks;
    let c = this.counter;
    if (LITTLE_ENDIAN_HOST && c + count <= 0x100000000) {
      // Bytes 0–3 of each block are the low 32 bits of the counter (little-endian); 4–15 stay 0
      // while the counter fits in 32 bits (64 GiB of data per entry).
      const u = new Uint32Array(ctr.buffer, 0, count * 4);
      for (let i = 0; i < count * 4; i += 4) u[i] = c++;
    } else {
      const v = new DataView(ctr.buffer);
      for (let i = 0; i < count; i++, c++) {
        v.setUint32(i * 16, c % 0x100000000, true);
        v.setUint32(i * 16 + 4, Math.floor(c / 0x100000000), true);
      }
    }
    this.counter = c;
    const ks = this.ecb.update(ctr.subarray(0, count * 16));
    return new Uint8Array(ks.buffer, ks.byteOffset, ks.byteLength);
  }
}

/** dst ^= src, 32 bits at a time when both are aligned. */
function xorInto(dst: Uint8Array, src: Uint8Array): void {
  const n = dst.byteLength;
  let i = 0;
  if (((dst.byteOffset | src.byteOffset) & 3) === 0) {
    const words = n >>> 2;
    const d = new Uint32Array(dst.buffer, dst.byteOffset, words);
    const s = new Uint32Array(src.buffer, src.byteOffset, words);
    for (let w = 0; w < words; w++) d[w]! ^= s[w]!;
    i = words << 2;
  }
  for (; i < n; i++) dst[i]! ^= src[i]!;
}

/** Encrypts one entry's data: salt and verifier first, then ciphertext chunks, then the MAC. */
export class WinZipAesEncryptor {
  private readonly ctr: WinZipCtr;
  private readonly mac: Hmac;
  constructor(keys: WinZipAesKeys) {
    this.ctr = new WinZipCtr(keys.encryptionKey);
    this.mac = createHmac('sha1', keys.macKey);
  }
  update(plain: Uint8Array): Uint8Array {
    const c = this.ctr.update(plain);
    this.mac.update(c);
    return c;
  }
  /** Encrypts a buffer the caller owns, in place. */
  updateInPlace(buf: Uint8Array): void {
    this.ctr.xorInPlace(buf);
    this.mac.update(buf);
  }
  /** The 10-byte authentication code. */
  final(): Uint8Array {
    return new Uint8Array(this.mac.digest()).subarray(0, WINZIP_AES.macBytes);
  }
}

/** Decrypts one entry's data; {@link verify} checks the MAC once every ciphertext byte went through. */
export class WinZipAesDecryptor {
  private readonly ctr: WinZipCtr;
  private readonly mac: Hmac;
  constructor(keys: WinZipAesKeys) {
    this.ctr = new WinZipCtr(keys.encryptionKey);
    this.mac = createHmac('sha1', keys.macKey);
  }
  update(cipher: Uint8Array): Uint8Array {
    this.mac.update(cipher);
    return this.ctr.update(cipher);
  }
  /** Decrypts a buffer the caller owns, in place. */
  updateInPlace(buf: Uint8Array): void {
    this.mac.update(buf);
    this.ctr.xorInPlace(buf);
  }
  /** True when `code` is the MAC of the ciphertext seen (constant-time comparison). */
  verify(code: Uint8Array): boolean {
    const expected = new Uint8Array(this.mac.digest()).subarray(0, WINZIP_AES.macBytes);
    return code.byteLength === WINZIP_AES.macBytes && timingSafeEqual(expected, code);
  }
}

/** True when the stored verifier matches the derived one. */
export function verifierMatches(keys: WinZipAesKeys, stored: Uint8Array): boolean {
  return stored.byteLength === 2 && keys.verifier[0] === stored[0] && keys.verifier[1] === stored[1];
}
