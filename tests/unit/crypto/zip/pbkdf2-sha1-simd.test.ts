/**
 * The WebAssembly SIMD PBKDF2-HMAC-SHA1 against OpenSSL's: RFC 6070's vectors, then random
 * passwords (empty, ASCII, UTF-8, longer than the 64-byte block), salts of every WinZip size and
 * of odd sizes, lengths of one to four blocks, iteration counts from 1 to 1 000.
 */
import { describe, it, expect } from 'vitest';
import { pbkdf2Sync, randomBytes, randomInt } from 'node:crypto';
import { pbkdf2Sha1Simd } from '../../../../src/crypto/zip/pbkdf2-sha1-simd.js';
import { deriveWinZipAesKeysSync, deriveWinZipAesKeys } from '../../../../src/crypto/zip/winzip-aes.js';

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');

describe('PBKDF2-HMAC-SHA1 in WebAssembly SIMD', () => {
  it('is available here (Node 20 has WebAssembly SIMD)', () => {
    expect(pbkdf2Sha1Simd(new Uint8Array(1), new Uint8Array(8), 1, 20)).toBeDefined();
  });

  it.each([
    ['password', 'salt', 1, 20, '0c60c80f961f0e71f3a9b524af6012062fe037a6'],
    ['password', 'salt', 2, 20, 'ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957'],
    ['password', 'salt', 4096, 20, '4b007901b765489abead49d926f721d065a429c1'],
    ['passwordPASSWORDpassword', 'saltSALTsaltSALTsaltSALTsaltSALTsalt', 4096, 25, '3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038'],
  ])('RFC 6070: P=%s S=%s c=%i dkLen=%i', (p, salt, c, len, want) => {
    expect(hex(pbkdf2Sha1Simd(Buffer.from(p), Buffer.from(salt), c, len))).toBe(want);
  });

  it('agrees with OpenSSL on 300 random inputs', () => {
    for (let i = 0; i < 300; i++) {
      const pwLength = [0, 1, 12, 63, 64, 65, 100, 200][i % 8]!;
      const password = i % 3 === 0 ? Buffer.from('Pièce-Jointe#2026'.repeat(8)).subarray(0, pwLength) : randomBytes(pwLength);
      const salt = randomBytes([8, 12, 16, 0, 1, 51][i % 6]!);
      const iterations = i % 10 === 0 ? 1000 : randomInt(1, 40);
      const length = [1, 20, 34, 50, 66, 80][i % 6]!;
      expect(hex(pbkdf2Sha1Simd(password, salt, iterations, length)), `case ${i}`).toBe(hex(pbkdf2Sync(password, salt, iterations, length, 'sha1')));
    }
  });

  it('out of its range it declines (the caller uses OpenSSL)', () => {
    expect(pbkdf2Sha1Simd(new Uint8Array(4), new Uint8Array(52), 1, 20)).toBeUndefined();
    expect(pbkdf2Sha1Simd(new Uint8Array(4), new Uint8Array(8), 1, 81)).toBeUndefined();
    expect(pbkdf2Sha1Simd(new Uint8Array(4), new Uint8Array(8), 0, 20)).toBeUndefined();
  });

  it.each([1, 2, 3] as const)('WinZip AES strength %i: the sync keys (SIMD) equal the async ones (OpenSSL)', async (strength) => {
    const password = Buffer.from('Clé-USB#Mars-2026!');
    const salt = randomBytes({ 1: 8, 2: 12, 3: 16 }[strength]);
    const a = deriveWinZipAesKeysSync(password, salt, strength);
    const b = await deriveWinZipAesKeys(password, salt, strength);
    expect([hex(a.encryptionKey), hex(a.macKey), hex(a.verifier)]).toEqual([hex(b.encryptionKey), hex(b.macKey), hex(b.verifier)]);
  });
});
