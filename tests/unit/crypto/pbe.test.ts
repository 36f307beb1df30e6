import { Buffer } from 'node:buffer';
import { createCipheriv, pbkdf2Sync } from 'node:crypto';
import * as asn1js from 'asn1js';
import { AlgorithmIdentifier } from 'pkijs';
import { describe, expect, it } from 'vitest';
import {
  MAX_ITERATIONS,
  OID,
  type PbeAlgorithm,
  bmpPassword,
  describePbe,
  passwordCandidates,
  pbeDecrypt,
  pbeEncrypt,
  pkcs12Kdf,
} from '../../../src/crypto/pbe.js';
import { codeOf } from '../../helpers/errors.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');


describe('bmpPassword (RFC 7292 App. B.1)', () => {
  it.each([
    { pw: '', bytes: '0000' },
    { pw: 'ab', bytes: '006100620000' },
    { pw: 'é', bytes: '00e90000' },
    { pw: '😀', bytes: 'd83dde000000' }, // outside the BMP: a surrogate pair, as OpenSSL's utf82uni
  ])('$pw → $bytes', ({ pw, bytes }) => {
    expect(toHex(bmpPassword(pw))).toBe(bytes);
  });

  it('passwordCandidates adds the NULL password for "" and the pre-1.1.0 OpenSSL form for non-ASCII', () => {
    expect(passwordCandidates('abc').map((c) => toHex(c.bmp))).toEqual(['0061006200630000']);
    expect(passwordCandidates('').map((c) => toHex(c.bmp))).toEqual(['0000', '']);
    // 'é' is C3 A9 in UTF-8; OpenSSL < 1.1.0 widened each byte.
    expect(passwordCandidates('é').map((c) => toHex(c.bmp))).toEqual(['00e90000', '00c300a90000']);
    expect(passwordCandidates('é').every((c) => toHex(c.utf8) === 'c3a9')).toBe(true);
  });
});

describe('pkcs12Kdf (RFC 7292 App. B.2)', () => {
  // Vectors 1–2: Go's golang.org/x/crypto/pkcs12 pbkdf_test.go. Vector 3: Crypt::OpenSSL::PKCS::Func's
  // t/base.t (a MAC key, ID 3). Vectors 4–5: `openssl kdf ... PKCS12KDF` (OpenSSL 3.0.22), for SHA-512
  // (v = 128, several output blocks) and the IV (ID 2). All re-checked with OpenSSL.
  it.each([
    { name: 'SHA-1 key, 24 bytes (two blocks)', hash: 'sha1' as const, pw: bmpPassword('sesame'), salt: 'ffffffffffffffff', iter: 2048, id: 1 as const, len: 24, out: '7cd9fd3e2b3be7691a44e3bef0f9ea0fb9b897d4e325d9d1' },
    { name: 'SHA-1, I_j with a leading zero byte', hash: 'sha1' as const, pw: hex('0000'), salt: 'f37e05b518324b4b', iter: 2048, id: 1 as const, len: 24, out: '00f759ff47d14dd03665d5943cb3c4a39a2555c02aed66e1' },
    { name: 'SHA-256 MAC key', hash: 'sha256' as const, pw: bmpPassword('123456'), salt: 'e241f01650dbeae4', iter: 2048, id: 3 as const, len: 32, out: '721259f14aad70b58839f71566b433da1b8ad08f650f4d02faaa0b9b095bb51d' },
    {
      name: 'SHA-512, 100 bytes', hash: 'sha512' as const, pw: bmpPassword('sesame'), salt: '0102030405060708', iter: 1000, id: 1 as const, len: 100,
      out: '1891f381181290aa3273f57dfd5d527dbb3248cf4ca2e19e46d5b59db64ee5288772b0fb93fc16711ba443f70fe824eea15acf986f98a41497f608fdb92a46252a0204f24a586e58be5d7ebb690f1600ce9a90c287db1b2458580bcca802d2f9abdfcf3b',
    },
    { name: 'SHA-1 IV (ID 2)', hash: 'sha1' as const, pw: bmpPassword('sesame'), salt: 'ffffffffffffffff', iter: 2048, id: 2 as const, len: 8, out: '3f5a277f9c21ff82' },
  ])('$name', ({ hash, pw, salt, iter, id, len, out }) => {
    expect(toHex(pkcs12Kdf(hash, pw, hex(salt), iter, id, len))).toBe(out);
  });

  it('rejects iteration counts outside 1…10,000,000', () => {
    expect(codeOf(() => pkcs12Kdf('sha1', bmpPassword('x'), hex('00'), 0, 1, 8))).toBe('MALFORMED_ASN1');
    expect(codeOf(() => pkcs12Kdf('sha1', bmpPassword('x'), hex('00'), MAX_ITERATIONS + 1, 1, 8))).toBe('UNSUPPORTED_ALGORITHM');
  });
});

const ALGORITHMS: { name: string; algorithm: PbeAlgorithm }[] = [
  { name: 'PBES2/AES-256-CBC/PBKDF2-SHA256', algorithm: { scheme: 'pbes2', cipher: 'aes-256-cbc', prf: 'sha256' } },
  { name: 'PBES2/AES-128-CBC/PBKDF2-SHA1', algorithm: { scheme: 'pbes2', cipher: 'aes-128-cbc', prf: 'sha1' } },
  { name: 'PBES2/AES-192-CBC/PBKDF2-SHA224', algorithm: { scheme: 'pbes2', cipher: 'aes-192-cbc', prf: 'sha224' } },
  { name: 'PBES2/DES-EDE3-CBC/PBKDF2-SHA384', algorithm: { scheme: 'pbes2', cipher: 'des-ede3-cbc', prf: 'sha384' } },
  { name: 'PBES2/AES-256-CBC/PBKDF2-SHA512', algorithm: { scheme: 'pbes2', cipher: 'aes-256-cbc', prf: 'sha512' } },
  { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', algorithm: { scheme: 'pkcs12', cipher: 'pbeWithSHAAnd3-KeyTripleDES-CBC' } },
  { name: 'pbeWithSHAAnd2-KeyTripleDES-CBC', algorithm: { scheme: 'pkcs12', cipher: 'pbeWithSHAAnd2-KeyTripleDES-CBC' } },
  { name: 'pbeWithSHAAnd128BitRC2-CBC', algorithm: { scheme: 'pkcs12', cipher: 'pbeWithSHAAnd128BitRC2-CBC' } },
  { name: 'pbeWithSHAAnd40BitRC2-CBC', algorithm: { scheme: 'pkcs12', cipher: 'pbeWithSHAAnd40BitRC2-CBC' } },
];

describe('pbeEncrypt / pbeDecrypt', () => {
  const cases = ALGORITHMS.flatMap((a) => [0, 1, 7, 8, 15, 16, 17, 100].map((n) => ({ ...a, n })));
  it.each(cases)('$name round-trips $n bytes', ({ name, algorithm, n }) => {
    const plain = Buffer.alloc(n, 0xa5);
    const { algorithm: alg, ciphertext } = pbeEncrypt(plain, 'mot de passe é', { algorithm, iterations: 10 });
    expect(describePbe(alg)).toBe(name);
    const blockSize = name.includes('AES') ? 16 : 8;
    expect(ciphertext.length).toBe((Math.floor(n / blockSize) + 1) * blockSize); // always padded
    expect(Buffer.from(pbeDecrypt(alg, ciphertext, 'mot de passe é')).equals(plain)).toBe(true);
    // The AlgorithmIdentifier survives DER encoding and parsing.
    const reparsed = new AlgorithmIdentifier({ schema: asn1js.fromBER(alg.toSchema().toBER()).result });
    expect(Buffer.from(pbeDecrypt(reparsed, ciphertext, 'mot de passe é')).equals(plain)).toBe(true);
  });

  it.each(ALGORITHMS)('$name: a wrong password is WRONG_PASSWORD (fixed salt: deterministic)', ({ algorithm }) => {
    const { algorithm: alg, ciphertext } = pbeEncrypt(Buffer.from('a PrivateKeyInfo would be here'), 'right', { algorithm, iterations: 10, salt: hex('0011223344556677'), iv: algorithm.scheme === 'pbes2' ? Buffer.alloc(algorithm.cipher.startsWith('aes') ? 16 : 8, 7) : undefined });
    expect(codeOf(() => pbeDecrypt(alg, ciphertext, 'wrong'))).toBe('WRONG_PASSWORD');
  });

  it('PBES2 wiring: UTF-8 password, PBKDF2 with the PRF, AES-256-CBC, PKCS#7 padding', () => {
    const salt = hex('000102030405060708090a0b0c0d0e0f');
    const iv = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    const { ciphertext } = pbeEncrypt(Buffer.from('hello'), 'pässword', { iterations: 1000, salt, iv });
    const key = pbkdf2Sync(Buffer.from('pässword', 'utf8'), salt, 1000, 32, 'sha256');
    const c = createCipheriv('aes-256-cbc', key, iv);
    expect(toHex(ciphertext)).toBe(toHex(Buffer.concat([c.update('hello'), c.final()])));
  });

  it('PKCS#12 PBE wiring: 3DES key and IV from the KDF (IDs 1 and 2) with the BMP password', () => {
    const salt = hex('0102030405060708');
    const { ciphertext } = pbeEncrypt(Buffer.from('hello'), 'sesame', { algorithm: { scheme: 'pkcs12', cipher: 'pbeWithSHAAnd3-KeyTripleDES-CBC' }, iterations: 2048, salt });
    const key = pkcs12Kdf('sha1', bmpPassword('sesame'), salt, 2048, 1, 24);
    const iv = pkcs12Kdf('sha1', bmpPassword('sesame'), salt, 2048, 2, 8);
    const c = createCipheriv('des-ede3-cbc', key, iv);
    expect(toHex(ciphertext)).toBe(toHex(Buffer.concat([c.update('hello'), c.final()])));
  });

  // Expected ciphertexts from `openssl enc -rc2-40-cbc` / `-rc2-cbc -provider legacy` (OpenSSL 3.0.22)
  // with the key and IV our KDF gives (salt 0102…08, 1 iteration, password "pw"): this pins RC2's
  // effective key bits (RFC 2268), which a 40-bit key run as 128-bit RC2 would get wrong.
  it.each([
    { cipher: 'pbeWithSHAAnd40BitRC2-CBC' as const, key: 'fde2648cc5', ct: '44f0a154c58258db35010c446e4fd23bcad18e64adcd2ff7' },
    { cipher: 'pbeWithSHAAnd128BitRC2-CBC' as const, key: 'fde2648cc596f144a97d54a49e873e5b', ct: '1969ce1b16baa58bcfa045e0a3123b6219742846b27b758c' },
  ])('$cipher matches OpenSSL (known answer)', ({ cipher, key, ct }) => {
    const salt = hex('0102030405060708');
    expect(toHex(pkcs12Kdf('sha1', bmpPassword('pw'), salt, 1, 1, key.length / 2))).toBe(key);
    expect(toHex(pkcs12Kdf('sha1', bmpPassword('pw'), salt, 1, 2, 8))).toBe('3b868e8b3c865426');
    const { ciphertext } = pbeEncrypt(Buffer.alloc(16), 'pw', { algorithm: { scheme: 'pkcs12', cipher }, iterations: 1, salt });
    expect(toHex(ciphertext)).toBe(ct);
  });

  it('a ciphertext that is not whole blocks is MALFORMED_ASN1', () => {
    const { algorithm, ciphertext } = pbeEncrypt(Buffer.from('data'), 'pw', { iterations: 1 });
    expect(codeOf(() => pbeDecrypt(algorithm, ciphertext.subarray(0, 15), 'pw'))).toBe('MALFORMED_ASN1');
    expect(codeOf(() => pbeDecrypt(algorithm, new Uint8Array(0), 'pw'))).toBe('MALFORMED_ASN1');
  });

  it('refuses iteration options outside 1…10,000,000 with USAGE', () => {
    expect(codeOf(() => pbeEncrypt(Buffer.from('x'), 'pw', { iterations: 0 }))).toBe('USAGE');
    expect(codeOf(() => pbeEncrypt(Buffer.from('x'), 'pw', { iterations: MAX_ITERATIONS + 1 }))).toBe('USAGE');
    expect(codeOf(() => pbeEncrypt(Buffer.from('x'), 'pw', { iterations: 1.5 }))).toBe('USAGE');
  });
});

describe('AlgorithmIdentifier checks', () => {
  const seq = (...value: asn1js.AsnType[]): asn1js.Sequence => new asn1js.Sequence({ value });
  const oid = (value: string): asn1js.ObjectIdentifier => new asn1js.ObjectIdentifier({ value });
  const octs = (n: number): asn1js.OctetString => new asn1js.OctetString({ valueHex: new Uint8Array(n) });
  const int = (value: number): asn1js.Integer => new asn1js.Integer({ value });
  const alg = (id: string, params?: asn1js.AsnType): AlgorithmIdentifier =>
    new AlgorithmIdentifier(params === undefined ? { algorithmId: id } : { algorithmId: id, algorithmParams: params });
  const pbes2 = (kdfParams: asn1js.AsnType, encOid: string = OID.aes256Cbc, iv = 16, kdfOid: string = OID.pbkdf2): AlgorithmIdentifier =>
    alg(OID.pbes2, seq(seq(oid(kdfOid), kdfParams), seq(oid(encOid), octs(iv))));
  // The big count is encoded by hand: asn1js's Integer({ value }) is limited to 32 bits.
  const bigInt = new asn1js.Integer({ valueHex: hex('00ffffffffffffffff') });

  it.each([
    { name: 'PKCS#12 PBE, 10,000,001 iterations', alg: alg(OID.pbeWithSHAAnd3KeyTripleDESCBC, seq(octs(8), int(MAX_ITERATIONS + 1))), code: 'UNSUPPORTED_ALGORITHM' },
    { name: 'PKCS#12 PBE, 2^64-1 iterations', alg: alg(OID.pbeWithSHAAnd3KeyTripleDESCBC, seq(octs(8), bigInt)), code: 'UNSUPPORTED_ALGORITHM' },
    { name: 'PKCS#12 PBE, 0 iterations', alg: alg(OID.pbeWithSHAAnd3KeyTripleDESCBC, seq(octs(8), int(0))), code: 'MALFORMED_ASN1' },
    { name: 'PKCS#12 PBE, negative iterations', alg: alg(OID.pbeWithSHAAnd3KeyTripleDESCBC, seq(octs(8), int(-5))), code: 'MALFORMED_ASN1' },
    { name: 'PKCS#12 PBE, no parameters', alg: alg(OID.pbeWithSHAAnd3KeyTripleDESCBC), code: 'MALFORMED_ASN1' },
    { name: 'PKCS#12 PBE, parameters swapped', alg: alg(OID.pbeWithSHAAnd3KeyTripleDESCBC, seq(int(5), octs(8))), code: 'MALFORMED_ASN1' },
    { name: 'PBKDF2, 10,000,001 iterations', alg: pbes2(seq(octs(16), int(MAX_ITERATIONS + 1))), code: 'UNSUPPORTED_ALGORITHM' },
    { name: 'PBKDF2, 0 iterations', alg: pbes2(seq(octs(16), int(0))), code: 'MALFORMED_ASN1' },
    { name: 'PBKDF2, keyLength ≠ cipher key', alg: pbes2(seq(octs(16), int(10), int(16))), code: 'MALFORMED_ASN1' },
    { name: 'PBKDF2, unknown PRF', alg: pbes2(seq(octs(16), int(10), seq(oid('1.2.840.113549.2.5'), new asn1js.Null()))), code: 'UNSUPPORTED_ALGORITHM' },
    { name: 'PBKDF2, otherSource salt', alg: pbes2(seq(seq(oid('1.2.3.4')), int(10))), code: 'UNSUPPORTED_ALGORITHM' },
    { name: 'PBES2, scrypt KDF', alg: pbes2(seq(octs(16), int(1024), int(8), int(1)), OID.aes256Cbc, 16, OID.scrypt), code: 'UNSUPPORTED_ALGORITHM' },
    { name: 'PBES2, unknown cipher', alg: pbes2(seq(octs(16), int(10)), '1.2.840.113549.3.2'), code: 'UNSUPPORTED_ALGORITHM' },
    { name: 'PBES2, short IV', alg: pbes2(seq(octs(16), int(10)), OID.aes256Cbc, 8), code: 'MALFORMED_ASN1' },
    { name: 'PBES2, no parameters', alg: alg(OID.pbes2), code: 'MALFORMED_ASN1' },
    { name: 'PBES2, NULL parameters', alg: alg(OID.pbes2, new asn1js.Null()), code: 'MALFORMED_ASN1' },
    { name: 'RC4', alg: alg(OID.pbeWithSHAAnd128BitRC4, seq(octs(8), int(1))), code: 'UNSUPPORTED_ALGORITHM' },
    { name: 'PBES1 MD5/DES', alg: alg('1.2.840.113549.1.5.3', seq(octs(8), int(1))), code: 'UNSUPPORTED_ALGORITHM' },
    { name: 'not a PBE at all', alg: alg('1.2.3.4'), code: 'UNSUPPORTED_ALGORITHM' },
  ])('$name → $code', ({ alg: a, code }) => {
    expect(codeOf(() => pbeDecrypt(a, new Uint8Array(16), 'pw'))).toBe(code);
  });

  it('PBKDF2 without PRF defaults to HMAC-SHA1 (RFC 8018 App. A.2)', () => {
    expect(describePbe(pbes2(seq(octs(16), int(10))))).toBe('PBES2/AES-256-CBC/PBKDF2-SHA1');
  });
});
