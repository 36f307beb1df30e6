/**
 * CMS envelopes against OpenSSL 3 in both directions:
 * - `openssl cms -decrypt` opens what scelle writes: AuthEnvelopedData AES-256-GCM and
 *   EnvelopedData AES-256-CBC, BER (streamed) and DER, with an RSA-OAEP, an ECDH P-256 and a
 *   password (PWRI, PBKDF2-HMAC-SHA256 × 600 000) recipient;
 * - scelle opens what `openssl cms -encrypt` writes: `-stream` BER and DER, GCM and CBC, RSA
 *   PKCS#1 v1.5 (the default) and OAEP-SHA256, EC recipients (its default sha1kdf), `-keyid`
 *   (subjectKeyIdentifier rid), `-pwri_password` (PBKDF2-HMAC-SHA1 × 2048), the default cipher
 *   (des-ede3-cbc), PEM output;
 * - a 64 MiB+ file both ways, streaming, SHA-256 compared, with a bounded-memory check.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync, openSync, writeSync, closeSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptFile } from '../../src/crypto/cms/envelope.js';
import { decryptFile, type DecryptOptions } from '../../src/crypto/cms/envelope-open.js';
import { isScelleError } from '../../src/errors.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';
import { createEnvelopeFixture, type EnvelopeFixture, type Recipient } from '../helpers/envelope-fixtures.js';

const PASSWORD = 'Ordonnance-Cardio-2026!x';

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1024 * 1024 })) h.update(c as Buffer);
  return h.digest('hex');
}

describe.skipIf(!havePeers('openssl'))('CMS envelopes ⇄ openssl cms', () => {
  let dir: string;
  let cleanup: () => void;
  let fx: EnvelopeFixture;
  let plain: string;
  const content = new Uint8Array(randomBytes(200_003));
  let n = 0;
  const path = (name: string): string => join(dir, `${++n}-${name}`);

  beforeAll(async () => {
    ({ dir, cleanup } = makeTempDir('scelle-envelope-openssl-'));
    fx = await createEnvelopeFixture(dir);
    plain = join(dir, 'compte-rendu.bin');
    writeFileSync(plain, content);
  });
  afterAll(() => cleanup?.());

  const keyOf = (r: Recipient): DecryptOptions => ({ privateKeys: [{ key: r.key, certificate: r.cert }] });

  describe('openssl cms -decrypt opens what scelle writes', () => {
    it.each([
      ['aes-256-gcm', 'ber'],
      ['aes-256-gcm', 'der'],
      ['aes-256-cbc', 'ber'],
      ['aes-256-cbc', 'der'],
    ] as const)('%s, %s: RSA-OAEP, ECDH P-256 and password recipients', async (cipher, format) => {
      const env = path(`${cipher}-${format}.p7m`);
      await encryptFile(plain, env, { recipients: [fx.rsa.cert, fx.ec.cert], password: PASSWORD, cipher, format });
      const asn1 = runPeer('openssl', ['asn1parse', '-inform', 'DER', '-in', env]);
      expect(asn1).toContain(cipher === 'aes-256-gcm' ? 'id-smime-ct-authEnvelopedData' : 'pkcs7-envelopedData');
      expect(asn1).toContain('rsaesOaep');
      expect(asn1).toContain('dhSinglePass-stdDH-sha256kdf-scheme');
      expect(asn1).toContain('id-alg-PWRI-KEK');
      expect(asn1).toContain('hmacWithSHA256');
      expect(asn1).toMatch(/INTEGER\s+:0927C0/); // 600 000 iterations
      for (const args of [
        ['-recip', fx.rsa.certPem, '-inkey', fx.rsa.keyPem],
        ['-recip', fx.ec.certPem, '-inkey', fx.ec.keyPem],
        ['-inkey', fx.rsa.keyPem], // no certificate: openssl tries every recipient
        ['-pwri_password', PASSWORD],
      ]) {
        const out = path('openssl.out');
        runPeer('openssl', ['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', env, '-out', out, ...args]);
        expect(readFileSync(out).equals(Buffer.from(content))).toBe(true);
      }
      // and openssl refuses a wrong password
      expect(tryPeer('openssl', ['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', env, '-out', path('x'), '-pwri_password', 'nope']).status).not.toBe(0);
    });

    it('openssl rejects a scelle GCM envelope with one flipped ciphertext byte', async () => {
      const env = path('tampered.p7m');
      await encryptFile(plain, env, { recipients: [fx.rsa.cert], format: 'der' });
      const b = readFileSync(env);
      b[b.length - 1000]! ^= 1;
      writeFileSync(env, b);
      const r = tryPeer('openssl', ['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', env, '-out', path('x'), '-recip', fx.rsa.certPem, '-inkey', fx.rsa.keyPem]);
      expect(r.status).not.toBe(0);
    });
  });

  describe('scelle opens what openssl cms -encrypt writes', () => {
    const cases: [string, string[], () => DecryptOptions, string, string][] = [
      ['GCM -stream, RSA PKCS#1 v1.5', ['-aes-256-gcm', '-stream'], () => keyOf(fx.rsa), 'aes-256-gcm', 'RSAES-PKCS1-v1_5'],
      ['GCM DER, RSA PKCS#1 v1.5', ['-aes-256-gcm'], () => keyOf(fx.rsa), 'aes-256-gcm', 'RSAES-PKCS1-v1_5'],
      ['CBC -stream, RSA PKCS#1 v1.5', ['-aes-256-cbc', '-stream'], () => keyOf(fx.rsa), 'aes-256-cbc', 'RSAES-PKCS1-v1_5'],
      ['CBC DER, RSA OAEP-SHA256', ['-aes-256-cbc', '-keyopt', 'rsa_padding_mode:oaep', '-keyopt', 'rsa_oaep_md:sha256'], () => keyOf(fx.rsa), 'aes-256-cbc', 'RSAES-OAEP (SHA-256, MGF1-SHA-256)'],
      ['GCM -stream, RSA OAEP-SHA256', ['-aes-256-gcm', '-stream', '-keyopt', 'rsa_padding_mode:oaep', '-keyopt', 'rsa_oaep_md:sha256'], () => keyOf(fx.rsa), 'aes-256-gcm', 'RSAES-OAEP (SHA-256, MGF1-SHA-256)'],
      ['GCM -stream, EC (sha1kdf default)', ['-aes-256-gcm', '-stream'], () => keyOf(fx.ec), 'aes-256-gcm', 'ECDH dhSinglePass-stdDH-sha1kdf-scheme + aes256-wrap'],
      ['CBC DER, EC sha256kdf', ['-aes-256-cbc', '-keyopt', 'ecdh_kdf_md:sha256'], () => keyOf(fx.ec), 'aes-256-cbc', 'ECDH dhSinglePass-stdDH-sha256kdf-scheme + aes256-wrap'],
      ['default cipher (des-ede3-cbc), RSA', [], () => keyOf(fx.rsa), 'des-ede3-cbc', 'RSAES-PKCS1-v1_5'],
      ['CBC -stream, password', ['-aes-256-cbc', '-stream', '-pwri_password', PASSWORD], () => ({ password: PASSWORD }), 'aes-256-cbc', 'PBKDF2-HMAC-SHA1 + PWRI-KEK aes-256-cbc'],
      ['CBC DER, password', ['-aes-256-cbc', '-pwri_password', PASSWORD], () => ({ password: PASSWORD }), 'aes-256-cbc', 'PBKDF2-HMAC-SHA1 + PWRI-KEK aes-256-cbc'],
    ];

    it.each(cases)('%s', async (_name, args, options, cipher, algorithm) => {
      const env = path('openssl.p7m');
      const recips = args.includes('-pwri_password') ? [] : [options().privateKeys![0]!.certificate === fx.ec.cert ? fx.ec.certPem : fx.rsa.certPem];
      // -keyopt applies to the -recip just before it
      const keyopts = args.filter((_, i) => args[i - 1] === '-keyopt' || args[i] === '-keyopt');
      const rest = args.filter((a) => !keyopts.includes(a));
      runPeer('openssl', ['cms', '-encrypt', '-binary', '-in', plain, '-outform', 'DER', '-out', env, ...rest, ...recips.flatMap((r) => ['-recip', r, ...keyopts])]);
      const out = path('scelle.out');
      const info = await decryptFile(env, out, options());
      expect(readFileSync(out).equals(Buffer.from(content))).toBe(true);
      expect(info.cipher).toBe(cipher);
      expect(info.usedRecipient.recipient.algorithm).toBe(algorithm);
      expect(info.weakCipher).toBe(cipher === 'des-ede3-cbc');
    });

    it('-keyid (subjectKeyIdentifier rid), several recipients, and PEM output', async () => {
      const env = path('keyid.pem');
      runPeer('openssl', ['cms', '-encrypt', '-binary', '-aes-256-gcm', '-keyid', '-in', plain, '-outform', 'PEM', '-out', env, fx.colleague.certPem, fx.rsa.certPem, fx.ec.certPem]);
      for (const r of [fx.rsa, fx.colleague, fx.ec]) {
        const out = path('keyid.out');
        const info = await decryptFile(env, out, keyOf(r));
        expect(readFileSync(out).equals(Buffer.from(content))).toBe(true);
        expect(info.usedRecipient.recipient.subjectKeyIdentifier).toBe(Buffer.from(r.cert.subjectKeyIdentifier!).toString('hex').toUpperCase());
      }
      const other = await decryptFile(env, path('x'), keyOf(fx.expired)).catch((e: unknown) => e);
      expect(isScelleError(other, 'NOT_A_RECIPIENT')).toBe(true);
    });

    it('openssl GCM with a flipped tag byte → DECRYPTION_FAILED, nothing written', async () => {
      const env = path('ossl-tamper.p7m');
      runPeer('openssl', ['cms', '-encrypt', '-binary', '-aes-256-gcm', '-in', plain, '-outform', 'DER', '-out', env, fx.rsa.certPem]);
      const b = readFileSync(env);
      b[b.length - 3]! ^= 0x10;
      writeFileSync(env, b);
      const before = readdirSync(dir).length;
      const e = await decryptFile(env, path('never.out'), keyOf(fx.rsa)).catch((x: unknown) => x);
      expect(isScelleError(e, 'DECRYPTION_FAILED')).toBe(true);
      expect(readdirSync(dir).length).toBe(before);
    });
  });

  describe('a 64 MiB+ file, streamed both ways', () => {
    let big: string;
    let bigHash: string;
    const size = 64 * 1024 * 1024 + 12_345;

    beforeAll(async () => {
      big = join(dir, 'big.bin');
      const fd = openSync(big, 'w');
      const block = randomBytes(1024 * 1024);
      for (let done = 0, i = 0; done < size; i++) {
        block.writeUInt32LE(i, 0);
        const len = Math.min(block.length, size - done);
        writeSync(fd, block, 0, len);
        done += len;
      }
      closeSync(fd);
      bigHash = await sha256(big);
    });

    it('scelle encrypts (GCM, BER), openssl decrypts; openssl encrypts (-stream), scelle decrypts with bounded memory', async () => {
      const ours = path('big-ours.p7m');
      await encryptFile(big, ours, { recipients: [fx.rsa.cert] });
      const back1 = path('big-openssl.out');
      runPeer('openssl', ['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', ours, '-out', back1, '-recip', fx.rsa.certPem, '-inkey', fx.rsa.keyPem]);
      expect(await sha256(back1)).toBe(bigHash);

      const theirs = path('big-openssl.p7m');
      runPeer('openssl', ['cms', '-encrypt', '-binary', '-stream', '-aes-256-gcm', '-in', big, '-outform', 'DER', '-out', theirs, fx.ec.certPem]);
      const back2 = path('big-scelle.out');
      const baseline = process.memoryUsage().arrayBuffers;
      let peak = baseline;
      const timer = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      }, 5);
      try {
        const info = await decryptFile(theirs, back2, keyOf(fx.ec));
        expect(info.bytesOut).toBe(size);
      } finally {
        clearInterval(timer);
      }
      expect(await sha256(back2)).toBe(bigHash);
      // Holding the content (64 MiB) or the envelope would show here; streaming stays well below
      // (V8 frees young ArrayBuffers once ~32 MiB of them accumulate).
      expect(peak - baseline).toBeLessThan(60 * 1024 * 1024);
    });
  });
});
