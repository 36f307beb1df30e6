/**
 * Committed PKCS#12 / PKCS#8 vectors (test-vectors/pkcs12, made by OpenSSL 3, see its README):
 * every positive vector must give exactly the keys and certificates `expected.json` lists (by
 * SHA-256), every negative vector its specific error code.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isScelleError } from '../../src/errors.js';
import { parsePem } from '../../src/crypto/pem.js';
import { decryptPkcs8, describeEncryptedPkcs8 } from '../../src/crypto/pkcs8.js';
import { parsePkcs12 } from '../../src/crypto/pkcs12.js';

const DIR = join(import.meta.dirname, '..', '..', 'test-vectors', 'pkcs12');

interface Expected {
  password: string;
  pkcs12: { file: string; keySha256: string[]; certSha256: string[]; mac: string | null; encryption: string[]; friendlyName: string }[];
  pkcs8: { file: string; keySha256: string; scheme: string }[];
  negative: { file: string; password?: string; code: string }[];
}

const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Expected;
const password = readFileSync(join(DIR, expected.password), 'utf8').replace(/\r?\n$/, '');
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('test-vectors/pkcs12', () => {
  it('files match SHA256SUMS', () => {
    const lines = readFileSync(join(DIR, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(17);
    for (const line of lines) {
      const [sum, file] = line.split(/\s+\*?/);
      expect(sha256(readFileSync(join(DIR, file!))), file).toBe(sum);
    }
  });

  it('the password is the documented non-ASCII one', () => {
    expect(password).toBe('Scellé-vecteurs 2024');
  });

  it.each(expected.pkcs12)('$file gives the expected keys and certificates', (v) => {
    const p12 = parsePkcs12(readFileSync(join(DIR, v.file)), password);
    expect(p12.keys.map((k) => sha256(k.pkcs8))).toEqual(v.keySha256);
    expect(p12.certificates.map((c) => sha256(c.der)).sort()).toEqual([...v.certSha256].sort());
    expect(p12.macAlgorithm ?? null).toBe(v.mac);
    expect(p12.encryption).toEqual(v.encryption);
    expect(p12.keys[0]!.friendlyName).toBe(v.friendlyName);
    // The leaf certificate (first in the list) carries the key's localKeyId.
    const leaf = p12.certificates.find((c) => sha256(c.der) === v.certSha256[0])!;
    expect(leaf.friendlyName).toBe(v.friendlyName);
    expect(Buffer.from(leaf.localKeyId!).equals(Buffer.from(p12.keys[0]!.localKeyId!))).toBe(true);
  });

  it.each(expected.pkcs8)('$file decrypts to the expected key', (v) => {
    const block = parsePem(readFileSync(join(DIR, v.file), 'utf8'))[0]!;
    expect(block.label).toBe('ENCRYPTED PRIVATE KEY');
    expect(describeEncryptedPkcs8(block.der)).toBe(v.scheme);
    expect(sha256(decryptPkcs8(block.der, password))).toBe(v.keySha256);
    let code: string | undefined;
    try {
      decryptPkcs8(block.der, 'wrong password');
    } catch (e) {
      code = isScelleError(e) ? e.code : String(e);
    }
    expect(code).toBe('WRONG_PASSWORD');
  });

  it.each(expected.negative)('$file → $code', (v) => {
    let thrown: unknown;
    try {
      parsePkcs12(readFileSync(join(DIR, v.file)), v.password ?? password);
    } catch (e) {
      thrown = e;
    }
    expect(isScelleError(thrown), String(thrown)).toBe(true);
    expect((thrown as { code: string }).code).toBe(v.code);
    // Never echo the password.
    expect((thrown as Error).message).not.toContain(password);
  });
});
