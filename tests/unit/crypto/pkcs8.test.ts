import { Buffer } from 'node:buffer';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { isScelleError } from '../../../src/errors.js';
import { type PbeAlgorithm, pbeEncrypt } from '../../../src/crypto/pbe.js';
import { checkPrivateKeyInfo, decryptPkcs8, describeEncryptedPkcs8, encodeEncryptedPrivateKeyInfo, encryptPkcs8 } from '../../../src/crypto/pkcs8.js';
import { caught, codeOf } from '../../helpers/errors.js';

const PASSWORD = 'correct horse é battery';


const KEYS = {
  'RSA-2048': generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  'EC P-256': generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  'EC P-384': generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
  Ed25519: generateKeyPairSync('ed25519').privateKey,
};
const pkcs8Of = (name: keyof typeof KEYS): Buffer => KEYS[name].export({ type: 'pkcs8', format: 'der' });
const NAMES = Object.keys(KEYS) as (keyof typeof KEYS)[];

describe('encryptPkcs8 / decryptPkcs8', () => {
  it.each(NAMES)('%s round-trips with the OpenSSL 3 defaults', (name) => {
    const enc = encryptPkcs8(pkcs8Of(name), PASSWORD);
    expect(describeEncryptedPkcs8(enc)).toBe('PBES2/AES-256-CBC/PBKDF2-SHA256');
    expect(Buffer.from(decryptPkcs8(enc, PASSWORD)).equals(pkcs8Of(name))).toBe(true);
  });

  it('writes 2048 iterations by default and honours the option', () => {
    const iterationsOf = (der: Uint8Array): number => {
      // EncryptedPrivateKeyInfo → AlgorithmIdentifier → PBES2-params → PBKDF2 AlgorithmIdentifier → params → iterationCount
      const root = asn1js.fromBER(der).result as asn1js.Sequence;
      const path = [0, 1, 0, 1, 1];
      let node: asn1js.AsnType = root;
      for (const i of path) node = (node as asn1js.Sequence).valueBlock.value[i]!;
      return (node as asn1js.Integer).valueBlock.valueDec;
    };
    expect(iterationsOf(encryptPkcs8(pkcs8Of('EC P-256'), PASSWORD))).toBe(2048);
    const enc = encryptPkcs8(pkcs8Of('EC P-256'), PASSWORD, { iterations: 100_000 });
    expect(iterationsOf(enc)).toBe(100_000);
    expect(Buffer.from(decryptPkcs8(enc, PASSWORD)).equals(pkcs8Of('EC P-256'))).toBe(true);
  });

  it.each<{ name: string; algorithm: PbeAlgorithm }>([
    { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', algorithm: { scheme: 'pkcs12', cipher: 'pbeWithSHAAnd3-KeyTripleDES-CBC' } },
    { name: 'pbeWithSHAAnd40BitRC2-CBC', algorithm: { scheme: 'pkcs12', cipher: 'pbeWithSHAAnd40BitRC2-CBC' } },
    { name: 'PBES2/DES-EDE3-CBC/PBKDF2-SHA1', algorithm: { scheme: 'pbes2', cipher: 'des-ede3-cbc', prf: 'sha1' } },
    { name: 'PBES2/AES-128-CBC/PBKDF2-SHA512', algorithm: { scheme: 'pbes2', cipher: 'aes-128-cbc', prf: 'sha512' } },
  ])('round-trips with $name', ({ name, algorithm }) => {
    const enc = encryptPkcs8(pkcs8Of('RSA-2048'), PASSWORD, { algorithm, iterations: 100 });
    expect(describeEncryptedPkcs8(enc)).toBe(name);
    expect(Buffer.from(decryptPkcs8(enc, PASSWORD)).equals(pkcs8Of('RSA-2048'))).toBe(true);
  });

  it('Node (OpenSSL in-process) decrypts what we write', () => {
    for (const name of NAMES) {
      const enc = encryptPkcs8(pkcs8Of(name), PASSWORD);
      const key = createPrivateKey({ key: Buffer.from(enc), format: 'der', type: 'pkcs8', passphrase: PASSWORD });
      expect(key.export({ type: 'pkcs8', format: 'der' }).equals(pkcs8Of(name))).toBe(true);
    }
  });

  it.each(['aes-256-cbc', 'aes-128-cbc', 'des-ede3-cbc'])('we decrypt what Node writes with %s', (cipher) => {
    const enc = KEYS['EC P-256'].export({ type: 'pkcs8', format: 'der', cipher, passphrase: PASSWORD });
    expect(Buffer.from(decryptPkcs8(enc, PASSWORD)).equals(pkcs8Of('EC P-256'))).toBe(true);
  });

  it('the empty password round-trips', () => {
    const enc = encryptPkcs8(pkcs8Of('Ed25519'), '');
    expect(Buffer.from(decryptPkcs8(enc, '')).equals(pkcs8Of('Ed25519'))).toBe(true);
    expect(codeOf(() => decryptPkcs8(enc, ' '))).toBe('WRONG_PASSWORD');
  });

  it('a wrong password is WRONG_PASSWORD, without the password in the message or cause', () => {
    const enc = encryptPkcs8(pkcs8Of('RSA-2048'), PASSWORD);
    const e = caught(() => decryptPkcs8(enc, 'le mauvais mot de passe'));
    expect(isScelleError(e, 'WRONG_PASSWORD')).toBe(true);
    const text = `${(e as Error).message} ${String((e as Error).cause ?? '')} ${JSON.stringify(e)}`;
    expect(text).not.toContain('le mauvais mot de passe');
    expect(text).not.toContain(PASSWORD);
  });

  it('valid padding around garbage is still WRONG_PASSWORD', () => {
    // Encrypt bytes that are not a PrivateKeyInfo with the right password: padding is fine, content is not.
    for (const plain of [randomBytes(40), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])]) {
      const { algorithm, ciphertext } = pbeEncrypt(plain, PASSWORD, { iterations: 10 });
      expect(codeOf(() => decryptPkcs8(encodeEncryptedPrivateKeyInfo(algorithm, ciphertext), PASSWORD))).toBe('WRONG_PASSWORD');
    }
  });

  const good = encryptPkcs8(pkcs8Of('EC P-256'), PASSWORD, { iterations: 10 });
  it.each([
    { name: 'empty input', der: new Uint8Array(0) },
    { name: 'random bytes', der: randomBytes(64) },
    { name: 'truncated by one byte', der: good.subarray(0, good.length - 1) },
    { name: 'truncated in half', der: good.subarray(0, good.length >> 1) },
    { name: 'trailing garbage', der: Buffer.concat([good, Buffer.from([0, 0])]) },
    { name: 'a PrivateKeyInfo instead', der: pkcs8Of('EC P-256') },
    { name: 'an empty SEQUENCE', der: Buffer.from([0x30, 0x00]) },
  ])('$name → MALFORMED_ASN1', ({ der }) => {
    expect(codeOf(() => decryptPkcs8(der, PASSWORD))).toBe('MALFORMED_ASN1');
  });

  it('ciphertext cut to a non-block length → MALFORMED_ASN1', () => {
    const { algorithm, ciphertext } = pbeEncrypt(pkcs8Of('EC P-256'), PASSWORD, { iterations: 10 });
    expect(codeOf(() => decryptPkcs8(encodeEncryptedPrivateKeyInfo(algorithm, ciphertext.subarray(1)), PASSWORD))).toBe('MALFORMED_ASN1');
  });

  it('encryptPkcs8 refuses what is not a PrivateKeyInfo, and bad iteration counts', () => {
    expect(codeOf(() => encryptPkcs8(randomBytes(32), PASSWORD))).toBe('MALFORMED_ASN1');
    expect(codeOf(() => encryptPkcs8(pkcs8Of('EC P-256'), PASSWORD, { iterations: 0 }))).toBe('USAGE');
  });
});

describe('checkPrivateKeyInfo', () => {
  it.each(NAMES)('accepts %s', (name) => {
    expect(checkPrivateKeyInfo(pkcs8Of(name)).algorithm).toMatch(/^1\.|^2\./);
  });

  it('accepts a OneAsymmetricKey v2 with a [1] publicKey (RFC 5958)', () => {
    const pub = generateKeyPairSync('ed25519');
    const raw = asn1js.fromBER(pub.privateKey.export({ type: 'pkcs8', format: 'der' })).result as asn1js.Sequence;
    const spki = asn1js.fromBER(pub.publicKey.export({ type: 'spki', format: 'der' })).result as asn1js.Sequence;
    const bits = spki.valueBlock.value[1] as asn1js.BitString;
    const v2 = new asn1js.Sequence({
      value: [new asn1js.Integer({ value: 1 }), raw.valueBlock.value[1]!, raw.valueBlock.value[2]!, new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 1 }, valueHex: bits.valueBlock.valueHexView.slice() })],
    });
    expect(checkPrivateKeyInfo(new Uint8Array(v2.toBER())).algorithm).toBe('1.3.101.112');
  });

  it('refuses version 2 and an empty privateKey', () => {
    const alg = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.3.101.112' })] });
    const mk = (v: number, key: Uint8Array): Uint8Array => new Uint8Array(new asn1js.Sequence({ value: [new asn1js.Integer({ value: v }), alg, new asn1js.OctetString({ valueHex: key })] }).toBER());
    expect(checkPrivateKeyInfo(mk(0, new Uint8Array(34))).algorithm).toBe('1.3.101.112');
    expect(codeOf(() => checkPrivateKeyInfo(mk(2, new Uint8Array(34))))).toBe('MALFORMED_ASN1');
    expect(codeOf(() => checkPrivateKeyInfo(mk(0, new Uint8Array(0))))).toBe('MALFORMED_ASN1');
  });
});
