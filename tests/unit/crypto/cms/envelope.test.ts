/**
 * CMS envelopes (src/crypto/cms/envelope.ts, envelope-open.ts): round trips for every cipher ×
 * recipient kind, recipient selection, refusals with their specific codes, tamper and truncation
 * detection with nothing left on disk, BER read at every chunk boundary, and the structure written
 * (checked with an independent asn1js parse).
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptFile, encryptStream, type EncryptOptions } from '../../../../src/crypto/cms/envelope.js';
import { decryptFile, decryptStream, describeEnvelope, describeEnvelopeFile, type DecryptOptions } from '../../../../src/crypto/cms/envelope-open.js';
import { buildKeyTransRecipient } from '../../../../src/crypto/cms/recipients.js';
import { pwriUnwrap, pwriWrap } from '../../../../src/crypto/cms/key-wrap.js';
import { algorithmIdentifier, objectIdentifier, octetString, sequence, smallInteger, tlv } from '../../../../src/crypto/asn1/der.js';
import { isScelleError, type ScelleError } from '../../../../src/errors.js';
import { makeTempDir } from '../../../helpers/tmp.js';
import { createEnvelopeFixture, type EnvelopeFixture } from '../../../helpers/envelope-fixtures.js';

const PASSWORD = 'Ordonnance-Cardio-2026!x';
const FAST = { pbkdf2Iterations: 1000, allowLowIterations: true } as const;
const letter = new TextEncoder().encode('Cher confrère,\nje vous adresse Mme D., 54 ans, pour avis cardiologique.\nBien confraternellement,\nDr Claire Durand\n');

async function encrypt(content: Uint8Array | Uint8Array[], options: EncryptOptions): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await encryptStream(Array.isArray(content) ? content : [content], options, async (c) => {
    parts.push(c.slice());
  });
  return new Uint8Array(Buffer.concat(parts));
}

async function decrypt(envelope: Uint8Array | Uint8Array[], options: DecryptOptions): Promise<{ plain: Uint8Array; info: Awaited<ReturnType<typeof decryptStream>> }> {
  const parts: Uint8Array[] = [];
  const info = await decryptStream(Array.isArray(envelope) ? envelope : [envelope], options, async (c) => {
    parts.push(c.slice());
  });
  return { plain: new Uint8Array(Buffer.concat(parts)), info };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return isScelleError(e) ? e.code : `not a ScelleError: ${String(e)}`;
  }
  return 'no error';
}

async function errorOf(p: Promise<unknown>): Promise<ScelleError> {
  try {
    await p;
  } catch (e) {
    if (isScelleError(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

type AsnNode = asn1js.AsnType & { idBlock: { tagClass: number; tagNumber: number }; valueBlock: { value: AsnNode[]; valueHexView: Uint8Array; toString(): string } };
const kids = (n: AsnNode): AsnNode[] => n.valueBlock.value;
const oid = (n: AsnNode): string => n.valueBlock.toString();
function parse(der: Uint8Array): AsnNode {
  const r = asn1js.fromBER(new Uint8Array(der));
  if (r.offset === -1) throw new Error(r.result.error);
  expect(r.offset).toBe(der.byteLength);
  return r.result as AsnNode;
}

describe('CMS envelopes', () => {
  let dir: string;
  let cleanup: () => void;
  let fx: EnvelopeFixture;
  let n = 0;
  const file = (name: string, content?: Uint8Array): string => {
    const p = join(dir, `${++n}-${name}`);
    if (content !== undefined) writeFileSync(p, content);
    return p;
  };
  /** Files of the folder other than the inputs given: a leftover temp file or output shows here. */
  const leftovers = (sub: string): string[] => readdirSync(sub);

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('scelle-envelope-'));
    fx = await createEnvelopeFixture(dir);
  });
  afterAll(() => cleanup?.());

  describe('round trips', () => {
    it.each([
      ['aes-256-gcm', 'ber'],
      ['aes-256-gcm', 'der'],
      ['aes-256-cbc', 'ber'],
      ['aes-256-cbc', 'der'],
    ] as const)('%s %s to an RSA, an EC and a password recipient: each opens it', async (cipher, format) => {
      const content = new Uint8Array(randomBytes(70_000));
      const env = await encrypt([content.subarray(0, 1000), content.subarray(1000)], {
        recipients: [fx.rsa.cert, fx.ec.cert], password: PASSWORD, cipher, format, contentLength: content.length, ...FAST,
      });
      const described = await describeEnvelope(env);
      expect(described.contentType).toBe(cipher === 'aes-256-gcm' ? 'authEnvelopedData' : 'envelopedData');
      expect(described.cipher).toBe(cipher);
      expect(described.recipients.map((r) => r.type)).toEqual(['keyTransport', 'keyAgreement', 'password']);
      for (const [options, index] of [
        [{ privateKeys: [{ key: fx.rsa.key, certificate: fx.rsa.cert }] }, 0],
        [{ privateKeys: [{ key: fx.ec.key, certificate: fx.ec.cert }] }, 1],
        [{ password: PASSWORD }, 2],
      ] as const) {
        const { plain, info } = await decrypt(env, options);
        expect(Buffer.from(plain).equals(content)).toBe(true);
        expect(info.usedRecipient.index).toBe(index);
        expect(info.bytesOut).toBe(content.length);
        expect(info.bytesIn).toBe(env.length);
      }
    });

    it('several certificate recipients: each one opens the envelope with only its own key', async () => {
      const env = await encrypt(letter, { recipients: [fx.rsa.cert, fx.colleague.cert, fx.ec.cert] });
      for (const r of [fx.rsa, fx.colleague, fx.ec]) {
        const { plain, info } = await decrypt(env, { privateKeys: [{ key: r.key, certificate: r.cert }] });
        expect(Buffer.from(plain).toString()).toBe(Buffer.from(letter).toString());
        expect(info.usedRecipient.recipient.serialNumber).toBe(r.cert.serialNumberHex);
      }
    });

    it('a raw key without its certificate is found by trial decryption (OAEP, ECDH)', async () => {
      const env = await encrypt(letter, { recipients: [fx.colleague.cert, fx.rsa.cert, fx.ec.cert] });
      expect((await decrypt(env, { privateKeys: [{ key: fx.rsa.key }] })).info.usedRecipient.index).toBe(1);
      expect((await decrypt(env, { privateKeys: [{ key: fx.ec.key }] })).info.usedRecipient.index).toBe(2);
    });

    it('self-recipient: the practitioner encrypts to their own encryption certificate and opens it with the p12 identity', async () => {
      const encEntry = fx.identity.entries.find((e) => e.certificate.keyUsage?.includes('keyEncipherment'))!;
      const inPath = file('note.txt', letter);
      const outPath = file('note.txt.p7m');
      const info = await encryptFile(inPath, outPath, { recipients: [encEntry.certificate] });
      expect(info.bytesIn).toBe(letter.length);
      const back = file('note-back.txt');
      const d = await decryptFile(outPath, back, { identity: fx.identity });
      expect(readFileSync(back)).toEqual(Buffer.from(letter));
      expect(d.usedRecipient.certificate?.serialNumberHex).toBe(encEntry.certificate.serialNumberHex);
    });

    it('an empty content round-trips (GCM and CBC)', async () => {
      for (const cipher of ['aes-256-gcm', 'aes-256-cbc'] as const) {
        const env = await encrypt([], { recipients: [fx.rsa.cert], cipher });
        const { plain } = await decrypt(env, { privateKeys: [{ key: fx.rsa.key, certificate: fx.rsa.cert }] });
        expect(plain.length).toBe(0);
      }
    });

    it('the default password recipient is PBKDF2-HMAC-SHA256 with 600 000 iterations', async () => {
      const env = await encrypt(letter, { password: PASSWORD });
      const d = await describeEnvelope(env);
      expect(d.recipients[0]!.kdf).toEqual({ algorithm: 'PBKDF2', prf: 'HMAC-SHA256', iterations: 600_000, kekCipher: 'aes-256-cbc' });
      expect(Buffer.from((await decrypt(env, { password: PASSWORD })).plain).equals(Buffer.from(letter))).toBe(true);
    });
  });

  describe('what is written', () => {
    it('DER AuthEnvelopedData: version 0, KTRI v0 issuerAndSerialNumber + RSAES-OAEP-SHA256, GCM nonce 12 / ICV 16, 16-byte mac', async () => {
      const env = await encrypt(letter, { recipients: [fx.rsa.cert], format: 'der', contentLength: letter.length });
      const ci = parse(env);
      expect(oid(kids(ci)[0]!)).toBe('1.2.840.113549.1.9.16.1.23');
      const aed = kids(kids(ci)[1]!)[0]!;
      const [version, ris, eci, mac] = kids(aed) as [AsnNode, AsnNode, AsnNode, AsnNode];
      expect(kids(aed)).toHaveLength(4);
      expect(Buffer.from(version.valueBlock.valueHexView).toString('hex')).toBe('00');
      const ktri = kids(ris)[0]!;
      expect(Buffer.from(kids(ktri)[0]!.valueBlock.valueHexView).toString('hex')).toBe('00');
      const [keyAlg, params] = kids(kids(ktri)[2]!) as [AsnNode, AsnNode];
      expect(oid(keyAlg)).toBe('1.2.840.113549.1.1.7');
      const explicitAlg = (i: number): AsnNode[] => kids(kids(kids(params)[i]!)[0]!);
      expect(oid(explicitAlg(0)[0]!)).toBe('2.16.840.1.101.3.4.2.1'); // [0] hashAlgorithm sha256, parameters absent
      expect(explicitAlg(0)).toHaveLength(1);
      expect(oid(explicitAlg(1)[0]!)).toBe('1.2.840.113549.1.1.8'); // [1] maskGenAlgorithm mgf1
      expect(oid(kids(explicitAlg(1)[1]!)[0]!)).toBe('2.16.840.1.101.3.4.2.1'); // … with SHA-256
      expect(kids(ktri)[3]!.valueBlock.valueHexView.length).toBe(256);
      const [ctype, calg, content] = kids(eci) as [AsnNode, AsnNode, AsnNode];
      expect(oid(ctype)).toBe('1.2.840.113549.1.7.1');
      expect(oid(kids(calg)[0]!)).toBe('2.16.840.1.101.3.4.1.46');
      const gcm = kids(kids(calg)[1]!);
      expect(gcm[0]!.valueBlock.valueHexView.length).toBe(12);
      expect(Buffer.from(gcm[1]!.valueBlock.valueHexView).toString('hex')).toBe('10');
      expect(content.idBlock).toMatchObject({ tagClass: 3, tagNumber: 0 });
      expect(content.valueBlock.valueHexView.length).toBe(letter.length);
      expect(mac.valueBlock.valueHexView.length).toBe(16);
      // DER means definite lengths all the way: the first length octet is not 0x80.
      expect(env[1]).not.toBe(0x80);
    });

    it('BER output has indefinite lengths and a constructed encryptedContent, like openssl -stream', async () => {
      const env = await encrypt(letter, { recipients: [fx.rsa.cert] });
      expect(Buffer.from(env.subarray(0, 2)).toString('hex')).toBe('3080');
      expect(Buffer.from(env.subarray(env.length - 6)).toString('hex')).toBe('000000000000');
      expect(parse(env)).toBeDefined();
    });

    it('EnvelopedData versions follow RFC 5652 §6.1: 0 (KTRI only), 2 (KARI), 3 (PWRI)', async () => {
      const version = async (o: EncryptOptions): Promise<number> => (await describeEnvelope(await encrypt(letter, { cipher: 'aes-256-cbc', ...o }))).version;
      expect(await version({ recipients: [fx.rsa.cert] })).toBe(0);
      expect(await version({ recipients: [fx.rsa.cert, fx.ec.cert] })).toBe(2);
      expect(await version({ recipients: [fx.rsa.cert], password: PASSWORD, ...FAST })).toBe(3);
    });

    it('the KARI is dhSinglePass-stdDH-sha256kdf-scheme + aes256-wrap with an ephemeral P-256 originator key', async () => {
      const env = await encrypt(letter, { recipients: [fx.ec.cert] });
      const d = await describeEnvelope(env);
      expect(d.recipients[0]!.algorithm).toBe('ECDH dhSinglePass-stdDH-sha256kdf-scheme + aes256-wrap');
      const env2 = await encrypt(letter, { recipients: [fx.ec.cert] });
      // a fresh ephemeral key each time: the originator public keys differ
      expect(Buffer.from(env.subarray(0, 200)).equals(Buffer.from(env2.subarray(0, 200)))).toBe(false);
    });
  });

  describe('refusals', () => {
    it('a key that is not a recipient → NOT_A_RECIPIENT (with and without its certificate)', async () => {
      const env = await encrypt(letter, { recipients: [fx.rsa.cert, fx.ec.cert] });
      expect(await codeOf(decrypt(env, { privateKeys: [{ key: fx.colleague.key, certificate: fx.colleague.cert }] }))).toBe('NOT_A_RECIPIENT');
      expect(await codeOf(decrypt(env, { privateKeys: [{ key: fx.colleague.key }] }))).toBe('NOT_A_RECIPIENT');
      expect(await codeOf(decrypt(env, { privateKeys: [{ key: fx.ecNoAgreement.key }] }))).toBe('NOT_A_RECIPIENT');
      expect(await codeOf(decrypt(env, { password: PASSWORD }))).toBe('NOT_A_RECIPIENT');
    });

    it('a wrong password → WRONG_PASSWORD', async () => {
      const env = await encrypt(letter, { password: PASSWORD, ...FAST });
      expect(await codeOf(decrypt(env, { password: `${PASSWORD}?` }))).toBe('WRONG_PASSWORD');
      expect(await codeOf(decrypt(env, { password: '' }))).toBe('WRONG_PASSWORD');
    });

    it('a recipient certificate without keyEncipherment / keyAgreement → RECIPIENT_CERT_INVALID naming it', async () => {
      const e = await errorOf(encrypt(letter, { recipients: [fx.rsa.cert, { certificate: fx.signatureOnly.cert, name: 'signature.crt' }] }));
      expect(e.code).toBe('RECIPIENT_CERT_INVALID');
      expect(e.params).toMatchObject({ file: 'signature.crt', detail: 'keyUsage' });
      expect(await codeOf(encrypt(letter, { recipients: [fx.ecNoAgreement.cert] }))).toBe('RECIPIENT_CERT_INVALID');
      expect(await codeOf(encrypt(letter, { recipients: [fx.ca] }))).toBe('RECIPIENT_CERT_INVALID');
    });

    it('an expired recipient certificate → RECIPIENT_CERT_INVALID (reason CERT_EXPIRED); `at` moves the check', async () => {
      const e = await errorOf(encrypt(letter, { recipients: [fx.expired.cert] }));
      expect(e.code).toBe('RECIPIENT_CERT_INVALID');
      expect(e.params.reason).toBe('CERT_EXPIRED');
      const env = await encrypt(letter, { recipients: [fx.expired.cert], at: new Date(fx.expired.cert.notAfter.getTime() - 3600_000) });
      expect((await decrypt(env, { privateKeys: [{ key: fx.expired.key, certificate: fx.expired.cert }] })).plain.length).toBe(letter.length);
    });

    it('with trust anchors the chain is checked for encryption: the demo CA passes, a stranger is CHAIN_UNTRUSTED', async () => {
      const anchors = { trustAnchors: [fx.root], intermediates: [fx.ca] };
      await encrypt(letter, { recipients: [fx.rsa.cert, fx.ec.cert], ...anchors });
      const e = await errorOf(encrypt(letter, { recipients: [fx.stranger.cert], ...anchors }));
      expect(e.code).toBe('RECIPIENT_CERT_INVALID');
      expect(e.params.reason).toBe('CHAIN_UNTRUSTED');
      await encrypt(letter, { recipients: [fx.stranger.cert] }); // no anchors: not checked
    });

    it('a weak password is refused (WEAK_PASSWORD) unless allowWeakPassword; fewer than 600 000 iterations are refused', async () => {
      expect(await codeOf(encrypt(letter, { password: 'motdepasse' }))).toBe('WEAK_PASSWORD');
      expect(await codeOf(encrypt(letter, { password: 'Azerty123!' }))).toBe('WEAK_PASSWORD');
      const env = await encrypt(letter, { password: 'abc', allowWeakPassword: true, ...FAST });
      expect((await decrypt(env, { password: 'abc' })).plain.length).toBe(letter.length);
      expect(await codeOf(encrypt(letter, { password: PASSWORD, pbkdf2Iterations: 599_999 }))).toBe('USAGE');
      expect(await codeOf(encrypt(letter, {}))).toBe('USAGE');
    });

    it('the WEAK_PASSWORD message never contains the password', async () => {
      const e = await errorOf(encrypt(letter, { password: 'soleil2024' }));
      expect(e.message).not.toContain('soleil2024');
      expect(JSON.stringify(e.params)).not.toContain('soleil2024');
    });
  });

  describe('tampering and truncation leave nothing behind', () => {
    let sub: string;
    let envPath: string;
    let env: Uint8Array;
    const content = new Uint8Array(randomBytes(5000));
    const opts = (): DecryptOptions => ({ privateKeys: [{ key: fx.rsa.key, certificate: fx.rsa.cert }] });

    beforeAll(async () => {
      sub = join(dir, 'tamper');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(sub);
      env = await encrypt(content, { recipients: [fx.rsa.cert], format: 'der', contentLength: content.length });
    });

    const attempt = async (bytes: Uint8Array): Promise<string> => {
      envPath = join(sub, 'in.p7m');
      writeFileSync(envPath, bytes);
      const out = join(sub, 'out.bin');
      const code = await codeOf(decryptFile(envPath, out, opts()));
      expect(leftovers(sub)).toEqual(['in.p7m']); // no output, no temp file
      return code;
    };

    it('the untampered envelope decrypts (the harness can succeed)', async () => {
      envPath = join(sub, 'ok.p7m');
      writeFileSync(envPath, env);
      const out = join(sub, 'ok.bin');
      await decryptFile(envPath, out, opts());
      expect(readFileSync(out).equals(Buffer.from(content))).toBe(true);
      const { rmSync } = await import('node:fs');
      rmSync(out);
      rmSync(envPath);
    });

    it('a flipped byte in the ciphertext, the tag or the encrypted key → DECRYPTION_FAILED, no output file', async () => {
      const contentStart = env.length - 18 - content.length;
      for (const at of [contentStart, contentStart + 2500, env.length - 19, env.length - 16, env.length - 1]) {
        const b = env.slice();
        b[at]! ^= 0x01;
        expect(await attempt(b)).toBe('DECRYPTION_FAILED');
      }
      const ek = env.slice();
      const ekAt = Buffer.from(env).indexOf(Buffer.from([0x04, 0x82, 0x01, 0x00])) + 100;
      ek[ekAt]! ^= 0x40;
      expect(await attempt(ek)).toBe('DECRYPTION_FAILED');
    });

    it('a CBC envelope whose padding is broken → DECRYPTION_FAILED, no output file', async () => {
      const cbc = await encrypt(content, { recipients: [fx.rsa.cert], cipher: 'aes-256-cbc', format: 'der', contentLength: content.length });
      const b = cbc.slice();
      b[b.length - 17]! ^= 0x80; // last byte of the next-to-last block: flips bit 7 of the padding length
      expect(await attempt(b)).toBe('DECRYPTION_FAILED');
    });

    it('truncated at every 97th offset → TRUNCATED or DECRYPTION_FAILED, never an output', async () => {
      const codes = new Set<string>();
      for (let cut = 0; cut < env.length; cut += 97) codes.add(await attempt(env.subarray(0, cut)));
      codes.add(await attempt(env.subarray(0, env.length - 1)));
      expect([...codes].every((c) => c === 'TRUNCATED' || c === 'DECRYPTION_FAILED')).toBe(true);
      expect(codes.has('TRUNCATED')).toBe(true);
    });

    it('truncated BER (streamed) envelopes → TRUNCATED with the file named', async () => {
      const ber = await encrypt([content.subarray(0, 2000), content.subarray(2000)], { recipients: [fx.rsa.cert] });
      for (const cut of [10, 400, ber.length - 3000, ber.length - 20, ber.length - 2]) {
        const e = await errorOf(decrypt(ber.subarray(0, cut), { ...opts(), name: 'courrier.p7m' }));
        expect(e.code).toBe('TRUNCATED');
        expect(e.params.file).toBe('courrier.p7m');
      }
    });

    it('trailing bytes after the envelope → MALFORMED_ASN1; garbage → MALFORMED_ASN1; a signature → UNSUPPORTED_FORMAT', async () => {
      expect(await attempt(new Uint8Array([...env, 0]))).toBe('MALFORMED_ASN1');
      expect(await attempt(new Uint8Array(randomBytes(300)).fill(0x42, 0, 1))).toBe('MALFORMED_ASN1');
      const signedData = sequence(objectIdentifier('1.2.840.113549.1.7.2'), tlv(0xa0, sequence(smallInteger(1))));
      expect(await attempt(signedData)).toBe('UNSUPPORTED_FORMAT');
    });

    it('an existing output is replaced only on success; exclusive refuses it (OUTPUT_EXISTS)', async () => {
      const out = file('existing.txt', new TextEncoder().encode('before'));
      const bad = env.slice();
      bad[bad.length - 1]! ^= 1;
      const badPath = file('bad.p7m', bad);
      expect(await codeOf(decryptFile(badPath, out, opts()))).toBe('DECRYPTION_FAILED');
      expect(readFileSync(out, 'utf8')).toBe('before');
      const good = file('good.p7m', env);
      expect(await codeOf(decryptFile(good, out, { ...opts(), exclusive: true }))).toBe('OUTPUT_EXISTS');
      await decryptFile(good, out, opts());
      expect(readFileSync(out).equals(Buffer.from(content))).toBe(true);
    });
  });

  describe('reading BER from any chunking', () => {
    it('a BER envelope split into chunks of every size 1..N decrypts identically', async () => {
      const content = new TextEncoder().encode('Compte rendu: RAS.\n'.repeat(20));
      const env = await encrypt([content.subarray(0, 100), content.subarray(100, 101), content.subarray(101)], { recipients: [fx.ec.cert] });
      const key = { privateKeys: [{ key: fx.ec.key, certificate: fx.ec.cert }] };
      for (let size = 1; size <= env.length; size++) {
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < env.length; i += size) chunks.push(env.subarray(i, i + size));
        const { plain } = await decrypt(chunks, key);
        if (!Buffer.from(plain).equals(Buffer.from(content))) throw new Error(`chunk size ${size}: wrong plaintext`);
      }
    });

    it('a primitive encryptedContent larger than the read chunks streams through', async () => {
      const content = new Uint8Array(randomBytes(3 * 1024 * 1024 + 7));
      const env = await encrypt(content, { recipients: [fx.ec.cert], format: 'der', contentLength: content.length });
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < env.length; i += 65_537) chunks.push(env.subarray(i, i + 65_537));
      expect(Buffer.from((await decrypt(chunks, { privateKeys: [{ key: fx.ec.key }] })).plain).equals(Buffer.from(content))).toBe(true);
    });
  });

  describe('other senders', () => {
    it('AuthEnvelopedData with authAttrs (the GCM AAD, RFC 5083 §2.2) opens from a file; a stream refuses it', async () => {
      const cek = new Uint8Array(randomBytes(32));
      const nonce = new Uint8Array(randomBytes(12));
      const ri = buildKeyTransRecipient(fx.rsa.cert, cek).der;
      const attr = sequence(objectIdentifier('1.2.840.113549.1.9.3'), tlv(0x31, objectIdentifier('1.2.840.113549.1.7.1')));
      const authAttrsSet = tlv(0x31, attr);
      const c = createCipheriv('aes-256-gcm', cek, nonce, { authTagLength: 16 });
      c.setAAD(authAttrsSet);
      const ct = Buffer.concat([c.update(letter), c.final()]);
      const authAttrs = authAttrsSet.slice();
      authAttrs[0] = 0xa1;
      const aed = sequence(
        smallInteger(0), tlv(0x31, ri),
        sequence(objectIdentifier('1.2.840.113549.1.7.1'), algorithmIdentifier('2.16.840.1.101.3.4.1.46', sequence(octetString(nonce), smallInteger(16))), tlv(0x80, ct)),
        authAttrs, octetString(c.getAuthTag()),
      );
      const env = sequence(objectIdentifier('1.2.840.113549.1.9.16.1.23'), tlv(0xa0, aed));
      const inPath = file('attrs.p7m', env);
      const out = file('attrs.txt');
      await decryptFile(inPath, out, { privateKeys: [{ key: fx.rsa.key, certificate: fx.rsa.cert }] });
      expect(readFileSync(out)).toEqual(Buffer.from(letter));
      expect(await codeOf(decrypt(env, { privateKeys: [{ key: fx.rsa.key, certificate: fx.rsa.cert }] }))).toBe('UNSUPPORTED_FORMAT');
      // altering the authenticated attributes breaks the tag
      const altered = Buffer.from(env);
      altered[altered.indexOf(Buffer.from(attr)) + attr.length - 1]! ^= 1;
      expect(await codeOf(decryptFile(file('attrs2.p7m', altered), file('attrs2.txt'), { privateKeys: [{ key: fx.rsa.key }] }))).not.toBe('no error');
    });

    it('the PWRI-KEK wrap round-trips and rejects a wrong KEK (RFC 3211 §2.3)', () => {
      const cipher = { name: 'aes-256-cbc', keyLength: 32, blockLength: 16 };
      const kek = new Uint8Array(randomBytes(32));
      const iv = new Uint8Array(randomBytes(16));
      const cek = new Uint8Array(randomBytes(32));
      const wrapped = pwriWrap(cipher, kek, iv, cek);
      expect(wrapped.length).toBe(48);
      expect(pwriUnwrap(cipher, kek, iv, wrapped)).toEqual(cek);
      const other = new Uint8Array(randomBytes(32));
      expect(pwriUnwrap(cipher, other, iv, wrapped)).toBeUndefined();
    });

    it('describeEnvelopeFile reads only the head: recipients and iterations without a key', async () => {
      const env = await encrypt(letter, { recipients: [fx.rsa.cert], password: PASSWORD, ...FAST });
      const d = await describeEnvelopeFile(file('d.p7m', env));
      expect(d.recipients[0]).toMatchObject({ type: 'keyTransport', issuer: fx.rsa.cert.issuer, serialNumber: fx.rsa.cert.serialNumberHex, supported: true });
      expect(d.recipients[1]!.kdf?.iterations).toBe(1000);
      expect(d.authenticated).toBe(true);
    });
  });
});
