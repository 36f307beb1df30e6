/**
 * WinZip AES known answers: keys derived from the salts of zips made by 7-Zip (test-vectors/zip)
 * reproduce 7-Zip's password verifier and decrypt its data; the little-endian CTR keystream equals
 * an independent block-by-block computation for any chunking; PBKDF2 × 1 000 equals OpenSSL's.
 */
import { createCipheriv, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZipReader } from '../../../../src/crypto/zip/reader.js';
import { WinZipAesDecryptor, WinZipAesEncryptor, WinZipCtr, deriveWinZipAesKeys, deriveWinZipAesKeysSync, verifierMatches, WINZIP_AES } from '../../../../src/crypto/zip/winzip-aes.js';

const VECTORS = join(import.meta.dirname, '../../../../test-vectors/zip');
const PASSWORD = 'Vecteur-Test-2026!';

/** The reference keystream: one AES block per counter, counter as a 128-bit little-endian integer from 1. */
function referenceKeystream(key: Uint8Array, bytes: number, firstCounter = 1n): Buffer {
  const out = Buffer.alloc(Math.ceil(bytes / 16) * 16);
  for (let i = 0; i * 16 < bytes; i++) {
    const block = Buffer.alloc(16);
    block.writeBigUInt64LE((firstCounter + BigInt(i)) & 0xffffffffffffffffn, 0);
    const c = createCipheriv(`aes-${key.byteLength * 8}-ecb`, key, null);
    c.setAutoPadding(false);
    c.update(block).copy(out, i * 16);
  }
  return out.subarray(0, bytes);
}

describe('WinZip AES against 7-Zip (test-vectors/zip)', () => {
  it.each([
    ['aes256-store.zip', 'compte-rendu.txt', 3, 0],
    ['aes256-deflate.zip', 'ordonnance.txt', 3, 8],
    ['aes128-deflate.zip', 'ordonnance.txt', 1, 8],
    ['aes128-deflate.zip', 'compte-rendu.txt', 1, 0],
  ] as const)('%s / %s: the verifier derived from 7-Zip\'s salt matches, and the data decrypts', async (zip, name, strength, method) => {
    const r = await ZipReader.open(join(VECTORS, zip));
    try {
      const e = r.entries.find((x) => x.name === name)!;
      expect(e.aes).toEqual({ version: 2, strength });
      expect(e.method).toBe(method);
      expect(e.crc32).toBe(0);
      // Independent path: read the salt and verifier by hand and derive with OpenSSL's PBKDF2.
      const bytes = readFileSync(join(VECTORS, zip));
      const start = await r.dataOffset(e);
      const saltLength = WINZIP_AES.saltBytes[strength];
      const salt = bytes.subarray(start, start + saltLength);
      const storedVerifier = bytes.subarray(start + saltLength, start + saltLength + 2);
      const keyLength = WINZIP_AES.keyBytes[strength];
      const derived = pbkdf2Sync(PASSWORD, salt, 1000, 2 * keyLength + 2, 'sha1');
      expect(derived.subarray(2 * keyLength).equals(storedVerifier)).toBe(true);
      const keys = deriveWinZipAesKeysSync(new TextEncoder().encode(PASSWORD), salt, strength);
      expect(Buffer.from(keys.encryptionKey).equals(derived.subarray(0, keyLength))).toBe(true);
      expect(Buffer.from(keys.macKey).equals(derived.subarray(keyLength, 2 * keyLength))).toBe(true);
      expect(verifierMatches(keys, storedVerifier)).toBe(true);
      // The MAC is HMAC-SHA1(mac key, ciphertext), first 10 bytes.
      const cipher = bytes.subarray(start + saltLength + 2, start + e.compressedSize - 10);
      const mac = bytes.subarray(start + e.compressedSize - 10, start + e.compressedSize);
      expect(createHmac('sha1', derived.subarray(keyLength, 2 * keyLength)).update(cipher).digest().subarray(0, 10).equals(mac)).toBe(true);
      const parts: Uint8Array[] = [];
      for await (const c of r.readEntry(e, { password: PASSWORD })) parts.push(c);
      expect(Buffer.concat(parts).equals(readFileSync(join(VECTORS, name)))).toBe(true);
      // Decrypting 7-Zip's stored ciphertext with the reference keystream gives the plaintext too.
      if (method === 0) {
        const ks = referenceKeystream(derived.subarray(0, keyLength), cipher.byteLength);
        const plain = Buffer.from(cipher.map((b, i) => b ^ ks[i]!));
        expect(plain.equals(readFileSync(join(VECTORS, name)))).toBe(true);
      }
    } finally {
      await r.close();
    }
  });

  it('7-Zip\'s mtime (NTFS extra) is read', async () => {
    const r = await ZipReader.open(join(VECTORS, 'aes256-store.zip'));
    expect(r.entries[0]!.mtime.toISOString()).toBe('2026-01-02T03:04:06.000Z');
    await r.close();
  });
});

describe('little-endian CTR', () => {
  it.each([16, 32])('AES-%i: any chunking gives the reference keystream', (keyBytes) => {
    const key = randomBytes(keyBytes);
    const data = randomBytes(70_000);
    const ks = referenceKeystream(key, data.length);
    const want = Buffer.from(data.map((b, i) => b ^ ks[i]!));
    for (const cuts of [[70_000], [1, 15, 16, 17, 33, 69_918], [5, 65_531, 4_464], [16_384, 16_384, 37_232]]) {
      const ctr = new WinZipCtr(key);
      const out: Uint8Array[] = [];
      let o = 0;
      for (const n of cuts) {
        // Unaligned views too: the XOR must not depend on alignment.
        const piece = Buffer.concat([Buffer.alloc(1), data.subarray(o, o + n)]).subarray(1);
        out.push(ctr.update(piece));
        o += n;
      }
      expect(Buffer.concat(out).equals(want)).toBe(true);
    }
  });

  it('a chunk of more than 1 MiB (several native batches) matches the reference', () => {
    const key = randomBytes(32);
    const data = randomBytes(1024 * 1024 + 4096 + 3);
    const ks = referenceKeystream(key, data.length);
    const got = new WinZipCtr(key).update(data);
    expect(Buffer.from(got).equals(Buffer.from(data.map((b, i) => b ^ ks[i]!)))).toBe(true);
  });

  it('in place, mixed with copies, across 64 KiB pieces and unaligned views: the reference keystream', () => {
    const key = randomBytes(32);
    const data = randomBytes(3 * 65536 + 77);
    const ks = referenceKeystream(key, data.length);
    const want = Buffer.from(data.map((b, i) => b ^ ks[i]!));
    const ctr = new WinZipCtr(key);
    const out: Uint8Array[] = [];
    let o = 0;
    for (const [i, n] of [65535, 2, 65536 + 13, 1, 65536 + 62].entries()) {
      const piece = Buffer.concat([Buffer.alloc(3), data.subarray(o, o + n)]).subarray(3);
      if (i % 2 === 0) {
        ctr.xorInPlace(piece);
        out.push(piece);
      } else {
        out.push(ctr.update(piece));
      }
      o += n;
    }
    expect(o).toBe(data.length);
    expect(Buffer.concat(out).equals(want)).toBe(true);
  });

  it('the input is never modified', () => {
    const data = randomBytes(100);
    const copy = Buffer.from(data);
    new WinZipCtr(randomBytes(32)).update(data);
    expect(data.equals(copy)).toBe(true);
  });
});

describe('encryptor / decryptor', () => {
  it('round trip; the MAC covers the ciphertext; one flipped bit fails verification', async () => {
    const salt = randomBytes(16);
    const keys = await deriveWinZipAesKeys(new TextEncoder().encode('Un mot de passe sûr !42'), salt, 3);
    const sync = deriveWinZipAesKeysSync(new TextEncoder().encode('Un mot de passe sûr !42'), salt, 3);
    expect(Buffer.from(keys.verifier).equals(Buffer.from(sync.verifier))).toBe(true);
    const data = randomBytes(5000);
    const enc = new WinZipAesEncryptor(keys);
    const c1 = enc.update(data.subarray(0, 1234));
    const c2 = enc.update(data.subarray(1234));
    const mac = enc.final();
    const cipher = Buffer.concat([c1, c2]);
    expect(Buffer.from(mac).equals(createHmac('sha1', keys.macKey).update(cipher).digest().subarray(0, 10))).toBe(true);
    const dec = new WinZipAesDecryptor(keys);
    expect(Buffer.from(dec.update(cipher)).equals(data)).toBe(true);
    expect(dec.verify(mac)).toBe(true);
    const bad = Buffer.from(cipher);
    bad[4000]! ^= 1;
    const dec2 = new WinZipAesDecryptor(keys);
    dec2.update(bad);
    expect(dec2.verify(mac)).toBe(false);
  });

  it('a salt of the wrong length is a USAGE error', () => {
    expect(() => deriveWinZipAesKeysSync(new Uint8Array(1), new Uint8Array(8), 3)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
