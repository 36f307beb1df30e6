import { Buffer } from 'node:buffer';
import { createHash, createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { isScelleError } from '../../../src/errors.js';
import { parsePem } from '../../../src/crypto/pem.js';
import { OID, bmpPassword, pbeEncrypt, pkcs12Kdf } from '../../../src/crypto/pbe.js';
import { encodeEncryptedPrivateKeyInfo } from '../../../src/crypto/pkcs8.js';
import { buildPkcs12, parsePkcs12 } from '../../../src/crypto/pkcs12.js';
import { caught, codeOf } from '../../helpers/errors.js';

const VECTORS = join(import.meta.dirname, '..', '..', '..', 'test-vectors', 'pkcs12');
const pem = (file: string): Uint8Array => parsePem(readFileSync(join(VECTORS, file), 'utf8'))[0]!.der;
const RSA_KEY = pem('leaf-rsa.key');
const RSA_CERT = pem('leaf-rsa.pem');
const EC_KEY = pem('leaf-ec.key');
const EC_CERT = pem('leaf-ec.pem');
const CA_CERT = pem('ca.pem');
const PASSWORD = 'Mot de passe Ω';
const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');


// --- a tiny hand-made PFX writer, to build files buildPkcs12 never writes --------------------
const seq = (...value: asn1js.AsnType[]): asn1js.Sequence => new asn1js.Sequence({ value });
const oid = (value: string): asn1js.ObjectIdentifier => new asn1js.ObjectIdentifier({ value });
const octs = (b: Uint8Array): asn1js.OctetString => new asn1js.OctetString({ valueHex: b });
const explicit0 = (v: asn1js.AsnType): asn1js.Constructed => new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [v] });
const parsed = (b: Uint8Array): asn1js.AsnType => asn1js.fromBER(b).result;
const der = (n: asn1js.AsnType): Uint8Array => new Uint8Array(n.toBER());
const bag = (id: string, value: asn1js.AsnType, attrs?: asn1js.AsnType[]): asn1js.Sequence =>
  new asn1js.Sequence({ value: [oid(id), explicit0(value), ...(attrs ? [new asn1js.Set({ value: attrs })] : [])] });
const dataInfo = (safeContents: asn1js.AsnType[]): asn1js.Sequence => seq(oid(OID.data), explicit0(octs(der(seq(...safeContents)))));

function pfx(authSafe: asn1js.AsnType[], opts: { password?: string; hash?: string; iterations?: asn1js.Integer; version?: number; mac?: boolean } = {}): Uint8Array {
  const authSafeDer = der(seq(...authSafe));
  const salt = randomBytes(8);
  const iterations = 1000;
  const key = pkcs12Kdf('sha256', bmpPassword(opts.password ?? PASSWORD), salt, iterations, 3, 32);
  const mac = createHmac('sha256', key).update(authSafeDer).digest();
  const macData = seq(seq(seq(oid(opts.hash ?? OID.sha256), new asn1js.Null()), octs(mac)), octs(salt), opts.iterations ?? new asn1js.Integer({ value: iterations }));
  return der(seq(new asn1js.Integer({ value: opts.version ?? 3 }), seq(oid(OID.data), explicit0(octs(authSafeDer))), ...(opts.mac === false ? [] : [macData])));
}

describe('buildPkcs12 / parsePkcs12 round trip', () => {
  it('one key + certificate + CA, OpenSSL 3 profile', () => {
    const p12 = buildPkcs12({ keys: [{ pkcs8: RSA_KEY, certificate: RSA_CERT, friendlyName: 'Dr Écho (signature)' }], certificates: [CA_CERT], password: PASSWORD });
    const back = parsePkcs12(p12, PASSWORD);
    expect(back.macAlgorithm).toBe('HMAC-SHA256');
    expect(back.macIterations).toBe(2048);
    expect(back.encryption).toEqual(['PBES2/AES-256-CBC/PBKDF2-SHA256']);
    expect(back.keys).toHaveLength(1);
    expect(hex(back.keys[0]!.pkcs8)).toBe(hex(RSA_KEY));
    expect(back.keys[0]!.friendlyName).toBe('Dr Écho (signature)');
    // localKeyId = SHA-1 of the certificate DER, as OpenSSL writes it
    expect(hex(back.keys[0]!.localKeyId)).toBe(createHash('sha1').update(RSA_CERT).digest('hex'));
    expect(back.certificates.map((c) => hex(c.der))).toEqual([hex(RSA_CERT), hex(CA_CERT)]);
    expect(hex(back.certificates[0]!.localKeyId)).toBe(hex(back.keys[0]!.localKeyId));
    expect(back.certificates[0]!.friendlyName).toBe('Dr Écho (signature)');
    expect(back.certificates[1]!.localKeyId).toBeUndefined();
    expect(back.certificates[1]!.friendlyName).toBeUndefined();
  });

  it('two keys (signature + authentication), each paired with its certificate', () => {
    const p12 = buildPkcs12({
      keys: [
        { pkcs8: RSA_KEY, certificate: RSA_CERT, friendlyName: 'sig' },
        { pkcs8: EC_KEY, certificate: EC_CERT, friendlyName: 'auth' },
      ],
      password: PASSWORD,
      iterations: 100,
      macIterations: 100,
    });
    const back = parsePkcs12(p12, PASSWORD);
    expect(back.macIterations).toBe(100);
    expect(back.keys.map((k) => k.friendlyName)).toEqual(['sig', 'auth']);
    for (const [key, cert] of [[RSA_KEY, RSA_CERT], [EC_KEY, EC_CERT]] as const) {
      const k = back.keys.find((x) => hex(x.pkcs8) === hex(key))!;
      const c = back.certificates.find((x) => hex(x.localKeyId) === hex(k.localKeyId))!;
      expect(hex(c.der)).toBe(hex(cert));
    }
  });

  it('legacy profile: 3DES everywhere and an HMAC-SHA1 MAC', () => {
    const back = parsePkcs12(buildPkcs12({ keys: [{ pkcs8: EC_KEY, certificate: EC_CERT }], password: PASSWORD, profile: 'legacy' }), PASSWORD);
    expect(back.macAlgorithm).toBe('HMAC-SHA1');
    expect(back.encryption).toEqual(['pbeWithSHAAnd3-KeyTripleDES-CBC']);
    expect(hex(back.keys[0]!.pkcs8)).toBe(hex(EC_KEY));
  });

  it.each(['', 'a', 'é', '😀 emoji', 'x'.repeat(200)])('password %j round-trips and another one fails', (pw) => {
    const p12 = buildPkcs12({ keys: [{ pkcs8: EC_KEY, certificate: EC_CERT }], password: pw, iterations: 10, macIterations: 10 });
    expect(hex(parsePkcs12(p12, pw).keys[0]!.pkcs8)).toBe(hex(EC_KEY));
    expect(codeOf(() => parsePkcs12(p12, `${pw}!`))).toBe('WRONG_PASSWORD');
  });

  it('a key without certificate, and certificates without key', () => {
    const keyOnly = parsePkcs12(buildPkcs12({ keys: [{ pkcs8: EC_KEY }], password: PASSWORD }), PASSWORD);
    expect(keyOnly.certificates).toEqual([]);
    expect(keyOnly.keys[0]!.localKeyId).toBeUndefined();
    const certsOnly = parsePkcs12(buildPkcs12({ keys: [], certificates: [CA_CERT], password: PASSWORD }), PASSWORD);
    expect(certsOnly.keys).toEqual([]);
    expect(certsOnly.certificates.map((c) => hex(c.der))).toEqual([hex(CA_CERT)]);
  });

  it('writes DER: attributes in a sorted SET OF, no indefinite lengths', () => {
    const p12 = buildPkcs12({ keys: [{ pkcs8: EC_KEY, certificate: EC_CERT, friendlyName: 'z' }], password: PASSWORD });
    // Re-encoding what asn1js parsed gives the same bytes only for definite-length encodings.
    expect(hex(der(parsed(p12)))).toBe(hex(p12));
  });
});

describe('buildPkcs12 refuses bad input', () => {
  it.each([
    { name: 'nothing to store', opts: { keys: [], password: 'x' }, code: 'USAGE' },
    { name: 'a key that is not PKCS#8', opts: { keys: [{ pkcs8: randomBytes(40) }], password: 'x' }, code: 'MALFORMED_ASN1' },
    { name: 'a certificate that is not X.509', opts: { keys: [{ pkcs8: EC_KEY, certificate: EC_KEY }], password: 'x' }, code: 'MALFORMED_ASN1' },
    { name: 'an extra certificate that is garbage', opts: { keys: [], certificates: [randomBytes(30)], password: 'x' }, code: 'MALFORMED_ASN1' },
    { name: 'a key with the wrong certificate', opts: { keys: [{ pkcs8: EC_KEY, certificate: RSA_CERT }], password: 'x' }, code: 'KEY_CERT_MISMATCH' },
    { name: 'another EC key with the EC certificate', opts: { keys: [{ pkcs8: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' }), certificate: EC_CERT }], password: 'x' }, code: 'KEY_CERT_MISMATCH' },
    { name: 'zero iterations', opts: { keys: [{ pkcs8: EC_KEY }], password: 'x', iterations: 0 }, code: 'USAGE' },
    { name: 'too many MAC iterations', opts: { keys: [{ pkcs8: EC_KEY }], password: 'x', macIterations: 10_000_001 }, code: 'USAGE' },
  ])('$name → $code', ({ opts, code }) => {
    expect(codeOf(() => buildPkcs12(opts))).toBe(code);
  });
});

describe('parsePkcs12 on hostile or damaged input', () => {
  const good = buildPkcs12({ keys: [{ pkcs8: EC_KEY, certificate: EC_CERT }], certificates: [CA_CERT], password: PASSWORD, iterations: 10, macIterations: 10 });

  it('a wrong password is WRONG_PASSWORD and the message never holds the password', () => {
    const e = caught(() => parsePkcs12(good, 'un autre mot de passe'));
    expect(isScelleError(e, 'WRONG_PASSWORD')).toBe(true);
    expect((e as Error).message).toMatch(/password is wrong or the file was altered/);
    const text = `${(e as Error).message} ${String((e as Error).cause ?? '')} ${JSON.stringify(e)}`;
    expect(text).not.toContain('un autre mot de passe');
    expect(text).not.toContain(PASSWORD);
  });

  it.each([0, 1, 2, 10, 100, 500, -1])('truncated to length-%i… → MALFORMED_ASN1', (cut) => {
    const bytes = cut < 0 ? good.subarray(0, good.length - 1) : good.subarray(0, cut);
    expect(codeOf(() => parsePkcs12(bytes, PASSWORD))).toBe('MALFORMED_ASN1');
  });

  it.each([
    { name: 'text', bytes: Buffer.from('hello, I am not a PFX') },
    { name: 'random bytes', bytes: randomBytes(300) },
    { name: 'an empty SEQUENCE', bytes: Buffer.from([0x30, 0x00]) },
    { name: 'a certificate', bytes: Buffer.from(EC_CERT) },
    { name: 'a PKCS#8 key', bytes: Buffer.from(EC_KEY) },
    { name: 'trailing bytes', bytes: Buffer.concat([good, Buffer.from([0x00])]) },
  ])('$name → MALFORMED_ASN1', ({ bytes }) => {
    expect(codeOf(() => parsePkcs12(bytes, PASSWORD))).toBe('MALFORMED_ASN1');
  });

  it('every single-byte change is caught with a ScelleError code, never a raw exception', () => {
    const allowed = new Set(['MALFORMED_ASN1', 'WRONG_PASSWORD', 'UNSUPPORTED_ALGORITHM', 'UNSUPPORTED_FORMAT']);
    const codes = new Map<string, number>();
    for (let i = 0; i < good.length; i += 7) {
      const bad = Buffer.from(good);
      bad[i] = (bad[i]! + 1 + (i % 250)) & 0xff;
      const code = codeOf(() => parsePkcs12(bad, PASSWORD)) ?? 'accepted';
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (code === 'accepted') {
        // Only the MAC salt/value or the iteration count region could change without error… and then
        // the MAC must have failed. So nothing may be accepted.
        throw new Error(`byte ${i} changed and the file was still accepted`);
      }
      expect(allowed.has(code), `byte ${i}: ${code}`).toBe(true);
    }
    expect(codes.get('WRONG_PASSWORD') ?? 0).toBeGreaterThan(0);
    expect(codes.get('MALFORMED_ASN1') ?? 0).toBeGreaterThan(0);
  });

  it('a PFX version other than 3 → UNSUPPORTED_FORMAT', () => {
    expect(codeOf(() => parsePkcs12(pfx([dataInfo([])], { version: 2 }), PASSWORD))).toBe('UNSUPPORTED_FORMAT');
  });

  it('MAC iteration counts: 10,000,001 → UNSUPPORTED_ALGORITHM, 0 → MALFORMED_ASN1', () => {
    expect(codeOf(() => parsePkcs12(pfx([dataInfo([])], { iterations: new asn1js.Integer({ value: 10_000_001 }) }), PASSWORD))).toBe('UNSUPPORTED_ALGORITHM');
    expect(codeOf(() => parsePkcs12(pfx([dataInfo([])], { iterations: new asn1js.Integer({ value: 0 }) }), PASSWORD))).toBe('MALFORMED_ASN1');
  });

  it('an unknown MAC digest → UNSUPPORTED_ALGORITHM; PBMAC1 (RFC 9579) too', () => {
    expect(codeOf(() => parsePkcs12(pfx([dataInfo([])], { hash: '1.2.840.113549.2.5' }), PASSWORD))).toBe('UNSUPPORTED_ALGORITHM');
    expect(codeOf(() => parsePkcs12(pfx([dataInfo([])], { hash: '1.2.840.113549.1.5.14' }), PASSWORD))).toBe('UNSUPPORTED_ALGORITHM');
  });

  it('public-key privacy mode (envelopedData) → UNSUPPORTED_FORMAT', () => {
    expect(codeOf(() => parsePkcs12(pfx([seq(oid('1.2.840.113549.1.7.3'), explicit0(seq()))]), PASSWORD))).toBe('UNSUPPORTED_FORMAT');
  });
});

describe('parsePkcs12 on files other tools write', () => {
  const certBag = (cert: Uint8Array, certType = '1.2.840.113549.1.9.22.1'): asn1js.Sequence => seq(oid(certType), explicit0(octs(cert)));
  const localKeyId = (id: Uint8Array): asn1js.Sequence => seq(oid('1.2.840.113549.1.9.21'), new asn1js.Set({ value: [octs(id)] }));
  const friendly = (name: string): asn1js.Sequence => seq(oid('1.2.840.113549.1.9.20'), new asn1js.Set({ value: [new asn1js.BmpString({ value: name })] }));
  const msCsp = seq(oid('1.3.6.1.4.1.311.17.1'), new asn1js.Set({ value: [new asn1js.BmpString({ value: 'Microsoft Enhanced Cryptographic Provider v1.0' })] }));

  it('odd attribute values are ignored, not fatal', () => {
    const badId = seq(oid('1.2.840.113549.1.9.21'), new asn1js.Set({ value: [new asn1js.Integer({ value: 5 })] }));
    const utf8Name = seq(oid('1.2.840.113549.1.9.20'), new asn1js.Set({ value: [new asn1js.Utf8String({ value: 'utf8 name' })] }));
    const back = parsePkcs12(pfx([dataInfo([bag('1.2.840.113549.1.12.10.1.1', parsed(EC_KEY), [badId, utf8Name])])]), PASSWORD);
    expect(back.keys[0]!.localKeyId).toBeUndefined();
    expect(back.keys[0]!.friendlyName).toBe('utf8 name');
  });

  it('plain keyBag, nested safeContentsBag, unknown bags and attributes are handled', () => {
    const id = Buffer.from('01020304', 'hex');
    const authSafe = [
      dataInfo([
        bag('1.2.840.113549.1.12.10.1.1', parsed(EC_KEY), [localKeyId(id), msCsp, friendly('clé')]), // keyBag, in clear
        bag('1.2.840.113549.1.12.10.1.5', seq(oid('1.2.3.4'), explicit0(octs(randomBytes(16))))), // secretBag: ignored
        bag('1.2.840.113549.1.12.10.1.4', seq(oid('1.2.840.113549.1.9.23.1'), explicit0(octs(randomBytes(16))))), // crlBag: ignored
        bag('1.2.3.4.5.6', octs(randomBytes(8))), // unknown bag type: ignored
        bag('1.2.840.113549.1.12.10.1.3', certBag(randomBytes(20), '1.2.840.113549.1.9.22.2')), // sdsiCertificate: ignored
        bag('1.2.840.113549.1.12.10.1.6', seq(bag('1.2.840.113549.1.12.10.1.3', certBag(EC_CERT), [localKeyId(id)]))), // nested
      ]),
    ];
    const back = parsePkcs12(pfx(authSafe), PASSWORD);
    expect(back.keys).toHaveLength(1);
    expect(hex(back.keys[0]!.pkcs8)).toBe(hex(EC_KEY));
    expect(back.keys[0]!.friendlyName).toBe('clé');
    expect(hex(back.keys[0]!.localKeyId)).toBe('01020304');
    expect(back.certificates.map((c) => hex(c.der))).toEqual([hex(EC_CERT)]);
    expect(hex(back.certificates[0]!.localKeyId)).toBe('01020304');
    expect(back.encryption).toEqual([]);
    expect(back.macAlgorithm).toBe('HMAC-SHA256');
  });

  it.each(['primitive', 'constructed'])('a file without MAC, RC2-40 certificates (%s encryptedContent) and a 3DES key (like openssl -legacy -nomac)', (form) => {
    const pw = bmpPassword(PASSWORD);
    const certs = pbeEncrypt(der(seq(bag('1.2.840.113549.1.12.10.1.3', certBag(RSA_CERT)))), PASSWORD, { algorithm: { scheme: 'pkcs12', cipher: 'pbeWithSHAAnd40BitRC2-CBC' }, iterations: 50 });
    const key = pbeEncrypt(RSA_KEY, { utf8: Buffer.from(PASSWORD), bmp: pw }, { algorithm: { scheme: 'pkcs12', cipher: 'pbeWithSHAAnd3-KeyTripleDES-CBC' }, iterations: 50 });
    const pieces = [];
    for (let i = 0; i < certs.ciphertext.length; i += 64) pieces.push(octs(certs.ciphertext.subarray(i, i + 64)));
    const content = form === 'primitive'
      ? new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: certs.ciphertext })
      : new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: pieces }); // [0] IMPLICIT constructed OCTET STRING (BER, Windows)
    const encryptedData = seq(new asn1js.Integer({ value: 0 }), seq(oid(OID.data), certs.algorithm.toSchema(), content));
    const authSafe = [
      seq(oid('1.2.840.113549.1.7.6'), explicit0(encryptedData)),
      dataInfo([bag('1.2.840.113549.1.12.10.1.2', parsed(encodeEncryptedPrivateKeyInfo(key.algorithm, key.ciphertext)))]),
    ];
    const file = pfx(authSafe, { mac: false });
    const back = parsePkcs12(file, PASSWORD);
    expect(back.macAlgorithm).toBeUndefined();
    expect(back.encryption).toEqual(['pbeWithSHAAnd40BitRC2-CBC', 'pbeWithSHAAnd3-KeyTripleDES-CBC']);
    expect(hex(back.keys[0]!.pkcs8)).toBe(hex(RSA_KEY));
    expect(back.certificates.map((c) => hex(c.der))).toEqual([hex(RSA_CERT)]);
    // Without a MAC, only decryption can tell a wrong password.
    expect(codeOf(() => parsePkcs12(file, 'wrong'))).toBe('WRONG_PASSWORD');
  });

  it('a BER file with a constructed (chunked) OCTET STRING and indefinite lengths, as Windows writes', () => {
    const authSafeDer = der(seq(dataInfo([bag('1.2.840.113549.1.12.10.1.3', certBag(EC_CERT))])));
    const chunks = [];
    for (let i = 0; i < authSafeDer.length; i += 100) chunks.push(octs(authSafeDer.subarray(i, i + 100)));
    const chunked = new asn1js.OctetString({ isConstructed: true, isIndefiniteForm: true, value: chunks });
    const salt = randomBytes(8);
    const mac = createHmac('sha1', pkcs12Kdf('sha1', bmpPassword(PASSWORD), salt, 1, 3, 20)).update(authSafeDer).digest();
    const file = der(new asn1js.Sequence({
      lenBlock: { isIndefiniteForm: true },
      value: [
        new asn1js.Integer({ value: 3 }),
        new asn1js.Sequence({ lenBlock: { isIndefiniteForm: true }, value: [oid(OID.data), new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, lenBlock: { isIndefiniteForm: true }, value: [chunked] })] }),
        seq(seq(seq(oid(OID.sha1), new asn1js.Null()), octs(mac)), octs(salt)), // iterations absent: DEFAULT 1
      ],
    }));
    expect(file[1]).toBe(0x80); // really indefinite-length BER
    const back = parsePkcs12(file, PASSWORD);
    expect(back.macAlgorithm).toBe('HMAC-SHA1');
    expect(back.macIterations).toBe(1);
    expect(back.certificates.map((c) => hex(c.der))).toEqual([hex(EC_CERT)]);
  });
});
