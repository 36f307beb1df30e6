/** Hostile input: every parser of outside bytes answers with a ScelleError, never a raw TypeError or RangeError. */
import { it, expect } from 'vitest';
import { createHash } from 'node:crypto';

/** Deterministic pseudo-random bytes (SHA-256 in counter mode): the same inputs on every run. */
function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, block = 0; i < n; block++) {
    const h = createHash('sha256').update(`scelle-hostile-${seed}-${block}`).digest();
    out.set(h.subarray(0, Math.min(32, n - i)), i);
    i += 32;
  }
  return out;
}
import { parsePkcs12 } from '../../src/crypto/pkcs12.js';
import { parseCertificates } from '../../src/crypto/x509/certificate.js';
import { parseCrls } from '../../src/crypto/x509/crl.js';
import { verifySignature } from '../../src/crypto/cms/verify.js';
import { parseTimeStampResp } from '../../src/timestamp/tsp.js';
import { isScelleError } from '../../src/errors.js';
it('random bytes give a ScelleError (MALFORMED_ASN1, …) from every parser, never a raw exception', async () => {
  const bad: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const b = pseudoRandomBytes(50 + (i % 400), i);
    if (i % 2) b[0] = 0x30;
    for (const [n, f] of [['p12', () => parsePkcs12(b, 'x')], ['cert', () => parseCertificates(b)], ['crl', () => parseCrls(b)], ['tsr', () => parseTimeStampResp(b)]] as const) {
      try { f(); } catch (e) { if (!isScelleError(e)) bad.push(`${n}: ${(e as Error).message}`); }
    }
    try { await verifySignature(b, { trustAnchors: [] }); } catch (e) { if (!isScelleError(e)) bad.push(`cms: ${(e as Error).message}`); }
  }
  expect([...new Set(bad)]).toEqual([]);
});

// ---- CMS envelopes (src/crypto/cms/envelope-open.ts): decryptStream and describeEnvelope read outside bytes.
import { generateKeyPairSync } from 'node:crypto';
import { buildCertificate } from '../../src/crypto/cert-builder.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';
import { encryptStream } from '../../src/crypto/cms/envelope.js';
import { decryptStream, describeEnvelope } from '../../src/crypto/cms/envelope-open.js';
it('CMS envelopes: random bytes and mutated valid envelopes give a ScelleError, never a raw exception', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = (k: typeof ec): X509Cert => X509Cert.fromDer(buildCertificate({
    subject: [{ type: 'CN', value: 'HOSTILE' }], publicKey: k.publicKey, signingKey: k.privateKey,
    notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 86_400_000), keyUsage: ['keyEncipherment', 'keyAgreement'],
  }));
  const ecCert = cert(ec);
  const rsaCert = cert(rsa);
  const envelopes: Uint8Array[] = [];
  for (const [cipher, format] of [['aes-256-gcm', 'ber'], ['aes-256-cbc', 'der']] as const) {
    const parts: Uint8Array[] = [];
    const content = pseudoRandomBytes(300, 7);
    await encryptStream([content.subarray(0, 100), content.subarray(100)], {
      recipients: [ecCert, rsaCert], password: 'x', allowWeakPassword: true, pbkdf2Iterations: 10, allowLowIterations: true, cipher, format, contentLength: 300,
    }, async (c) => { parts.push(c.slice()); });
    envelopes.push(new Uint8Array(Buffer.concat(parts)));
  }
  const options = [{ privateKeys: [{ key: ec.privateKey, certificate: ecCert }] }, { privateKeys: [{ key: rsa.privateKey }] }, { password: 'x' }];
  const bad: string[] = [];
  const codes = new Set<string>();
  const attempt = async (b: Uint8Array, i: number): Promise<void> => {
    for (const f of [() => decryptStream([b], options[i % 3]!, async () => undefined), () => describeEnvelope(b)]) {
      try { await f(); } catch (e) { if (!isScelleError(e)) bad.push(`envelope: ${(e as Error).message}`); else codes.add(e.code); }
    }
  };
  for (let i = 0; i < 600; i++) {
    const b = pseudoRandomBytes(50 + (i % 400), 10_000 + i);
    if (i % 2) b[0] = 0x30;
    if (i % 4 === 1) b.set([0x30, 0x80, 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17, 0xa0, 0x80], 0);
    await attempt(b, i);
  }
  for (let i = 0; i < 900; i++) {
    const env = envelopes[i % 2]!;
    const r = pseudoRandomBytes(8, 20_000 + i);
    const b = env.slice();
    const at = ((r[0]! << 8) | r[1]!) % b.length;
    if (i % 3 === 0) b[at] = r[2]!;
    else if (i % 3 === 1) { b[at] = r[2]!; b[(at + 1 + r[3]!) % b.length] = r[4]!; }
    await attempt(i % 3 === 2 ? b.subarray(0, at) : b, i);
  }
  expect([...new Set(bad)]).toEqual([]);
  expect(codes.has('MALFORMED_ASN1')).toBe(true);
  expect(codes.has('TRUNCATED')).toBe(true);
}, 120_000);
