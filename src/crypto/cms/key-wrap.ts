/**
 * Key-encryption primitives of CMS envelopes, all on Node's native crypto (OpenSSL):
 *
 * - RFC 3211 §2.3 PWRI-KEK key wrap (id-alg-PWRI-KEK): the CEK is framed (length octet, 3 check
 *   octets, key, random padding to ≥ 2 blocks) and CBC-encrypted twice under the KEK, the second
 *   pass chained on the last block of the first — exactly what OpenSSL's `kek_wrap_key` does.
 * - RFC 3394 AES key wrap (id-aes*-wrap, RFC 3565) for ECDH key agreement: OpenSSL's
 *   `id-aes256-wrap` cipher with the default IV A6A6A6A6A6A6A6A6.
 * - ANSI X9.63 KDF (SEC 1 §3.6.1) over ECC-CMS-SharedInfo (RFC 5753 §7.2).
 * - RSAES-PKCS1-v1_5 decoding (RFC 8017 §7.2.2) done here on a raw RSA decryption, because Node 20
 *   refuses `RSA_PKCS1_PADDING` for private decryption (CVE-2023-46809). Failures are not told apart
 *   from each other, and the caller applies RFC 3218 §2.3.2's countermeasure (a random CEK).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A CBC cipher usable as PWRI KEK cipher, by OpenSSL name. */
export interface CbcCipher {
  /** OpenSSL name for createCipheriv (`aes-256-cbc`). */
  name: string;
  keyLength: number;
  blockLength: number;
}

/**
 * RFC 3211 §2.3.1 key wrap.
 * @param kek - the key derived from the password (PBKDF2).
 * @param iv - the KEK cipher's IV (its AlgorithmIdentifier parameters).
 */
export function pwriWrap(cipher: CbcCipher, kek: Uint8Array, iv: Uint8Array, cek: Uint8Array): Uint8Array {
  const b = cipher.blockLength;
  if (cek.length > 255) throw new RangeError('PWRI key wrap: a content-encryption key of more than 255 bytes');
  const length = Math.max(2 * b, Math.ceil((4 + cek.length) / b) * b);
  const framed = new Uint8Array(length);
  framed[0] = cek.length;
  framed[1] = ~cek[0]! & 0xff;
  framed[2] = ~cek[1]! & 0xff;
  framed[3] = ~cek[2]! & 0xff;
  framed.set(cek, 4);
  framed.set(randomBytes(length - 4 - cek.length), 4 + cek.length);
  const c = createCipheriv(cipher.name, kek, iv).setAutoPadding(false);
  // One cipher context, two updates: the second pass is CBC-chained on the first pass's last block.
  const first = c.update(framed);
  const second = c.update(first);
  c.final();
  framed.fill(0);
  return new Uint8Array(second);
}

/**
 * RFC 3211 §2.3.2 key unwrap.
 * @returns the CEK, or undefined when the check octets or the length do not hold (wrong password,
 *   or the encryptedKey was altered).
 */
export function pwriUnwrap(cipher: CbcCipher, kek: Uint8Array, iv: Uint8Array, wrapped: Uint8Array): Uint8Array | undefined {
  const b = cipher.blockLength;
  const n = wrapped.length;
  if (n < 2 * b || n % b !== 0) return undefined;
  // The outer pass was CBC with IV = the inner pass's last block D[n]. D[n] = Dec(C[n]) ⊕ C[n-1];
  // then the whole outer pass undoes with that IV, and the inner pass with the real IV.
  const lastInner = decryptCbc(cipher, kek, wrapped.subarray(n - 2 * b, n - b), wrapped.subarray(n - b));
  const inner = decryptCbc(cipher, kek, lastInner, wrapped);
  const framed = decryptCbc(cipher, kek, iv, inner);
  inner.fill(0);
  const len = framed[0]!;
  const check = (framed[1]! ^ framed[4]!) & (framed[2]! ^ framed[5]!) & (framed[3]! ^ framed[6]!);
  if (check !== 0xff || len < 3 || 4 + len > n) {
    framed.fill(0);
    return undefined;
  }
  const cek = framed.slice(4, 4 + len);
  framed.fill(0);
  return cek;
}

function decryptCbc(cipher: CbcCipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const d = createDecipheriv(cipher.name, key, iv).setAutoPadding(false);
  const out = d.update(data);
  d.final();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** RFC 3394 default IV (§2.2.3.1). */
const AES_WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

/** RFC 3394 AES key wrap; `cipherName` is OpenSSL's (`id-aes256-wrap`). */
export function aesKeyWrap(cipherName: string, kek: Uint8Array, key: Uint8Array): Uint8Array {
  const c = createCipheriv(cipherName, kek, AES_WRAP_IV);
  return new Uint8Array(Buffer.concat([c.update(key), c.final()]));
}

/** RFC 3394 AES key unwrap; undefined when the integrity check fails. */
export function aesKeyUnwrap(cipherName: string, kek: Uint8Array, wrapped: Uint8Array): Uint8Array | undefined {
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) return undefined;
  try {
    const d = createDecipheriv(cipherName, kek, AES_WRAP_IV);
    return new Uint8Array(Buffer.concat([d.update(wrapped), d.final()]));
  } catch {
    return undefined;
  }
}

/** ANSI X9.63 KDF (SEC 1 §3.6.1): Hash(Z ‖ counter ‖ SharedInfo) for counter = 1, 2, … */
export function x963Kdf(hash: string, z: Uint8Array, sharedInfo: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  for (let at = 0, i = 1; at < length; i++) {
    new DataView(counter.buffer).setUint32(0, i);
    const block = createHash(hash).update(z).update(counter).update(sharedInfo).digest();
    out.set(block.subarray(0, Math.min(block.length, length - at)), at);
    at += block.length;
  }
  return out;
}

/**
 * RSAES-PKCS1-v1_5 decoding (RFC 8017 §7.2.2 step 3) of the raw decryption `em` (k octets),
 * expecting a message of `expectedLength` octets. The whole buffer is scanned whatever it holds,
 * and every failure is one `undefined`.
 */
export function decodePkcs1v15(em: Uint8Array, expectedLength: number): Uint8Array | undefined {
  let bad = em.length < 11 + expectedLength ? 1 : 0;
  bad |= em[0]! | (em[1]! ^ 2);
  let separator = 0;
  let found = 0;
  for (let i = 2; i < em.length; i++) {
    const zero = em[i] === 0 ? 1 : 0;
    const first = zero & (found ^ 1);
    separator |= first * i;
    found |= zero;
  }
  bad |= found ^ 1;
  bad |= separator < 10 ? 1 : 0; // at least 8 octets of non-zero padding
  bad |= em.length - separator - 1 !== expectedLength ? 1 : 0;
  if (bad !== 0) return undefined;
  return em.slice(separator + 1);
}
