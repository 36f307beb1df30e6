/**
 * The WebAssembly SIMD XOR of the WinZip AES keystream: byte for byte the plain XOR, at every
 * length up to a piece (multiples of 16 and not, empty), at any offset (subarrays), and nothing
 * past the length touched.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { XOR_PIECE, xorSimd } from '../../../../src/crypto/zip/xor-simd.js';
import { WinZipCtr } from '../../../../src/crypto/zip/winzip-aes.js';

const reference = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((x, i) => x ^ b[i]!);

describe('xorSimd', () => {
  it('is available on this Node (WebAssembly SIMD): the fast path is the one tested', () => {
    expect(xorSimd(new Uint8Array(1), new Uint8Array(1))).toBe(true);
  });

  it.each([0, 1, 15, 16, 17, 1000, 4096, 65_535, XOR_PIECE])('%i bytes, at odd offsets: the plain XOR, nothing beyond touched', (n) => {
    const backing = new Uint8Array(randomBytes(n + 9));
    const dst = backing.subarray(3, 3 + n);
    const src = new Uint8Array(randomBytes(n + 5)).subarray(1);
    const expected = reference(dst, src.subarray(0, n));
    const before = backing.slice();
    expect(xorSimd(dst, src)).toBe(true);
    expect(Buffer.from(dst).equals(Buffer.from(expected))).toBe(true);
    expect(Buffer.from(backing.subarray(0, 3)).equals(Buffer.from(before.subarray(0, 3)))).toBe(true);
    expect(Buffer.from(backing.subarray(3 + n)).equals(Buffer.from(before.subarray(3 + n)))).toBe(true);
  });

  it('refuses more than a piece, or a shorter source', () => {
    expect(() => xorSimd(new Uint8Array(XOR_PIECE + 1), new Uint8Array(XOR_PIECE + 1))).toThrow(RangeError);
    expect(() => xorSimd(new Uint8Array(32), new Uint8Array(31))).toThrow(RangeError);
  });

  it('the keystream XORed in pieces of any size is the keystream XORed at once', () => {
    const key = new Uint8Array(randomBytes(32));
    const data = new Uint8Array(randomBytes(300_001));
    const whole = new WinZipCtr(key).update(data);
    const ctr = new WinZipCtr(key);
    const pieces: Uint8Array[] = [];
    for (let off = 0, step = 1; off < data.byteLength; off += step, step = (step * 7 + 13) % 90_000 + 1) pieces.push(ctr.update(data.subarray(off, off + step)));
    expect(Buffer.concat(pieces).equals(Buffer.from(whole))).toBe(true);
  });
});
