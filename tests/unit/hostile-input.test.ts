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
import { verifySignature } from '../../src/validation/verify-signature.js';
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

// USB export zips: the zip reader and importZip on random bytes, and on valid AES zips mutated
// (bytes changed, cut short): always a ScelleError, never a raw exception or a hang.
import { mkdtempSync, rmSync, writeFileSync as writeZipFile } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { ZipReader } from '../../src/crypto/zip/reader.js';
import { importZip } from '../../src/export/import.js';
import { buildZip } from '../helpers/zip-build.js';
it('zip reader: random bytes and mutated AES zips give a ScelleError, never a raw exception', async () => {
  const dir = mkdtempSync(joinPath(tmpdir(), 'scelle-hostile-zip-'));
  try {
    const password = 'Hostile#Zip-2026';
    const zips = [
      await buildZip([{ name: 'dossier/', directory: true }, { name: 'dossier/lettre é.txt', data: 'Cher confrère, '.repeat(200) }, { name: 'scan.bin', data: pseudoRandomBytes(3000, 1) }], { password }),
      await buildZip([{ name: 'a.txt', data: 'abc'.repeat(500) }, { name: 'b.txt', data: '' }], { password, forceZip64: true, aesVersion: 1, strength: 1 }),
    ];
    const bad: string[] = [];
    const codes = new Set<string>();
    const path = joinPath(dir, 'z.zip');
    const attempt = async (b: Uint8Array): Promise<void> => {
      writeZipFile(path, b);
      try {
        const r = await ZipReader.open(path);
        try {
          for (const e of r.entries) for await (const _ of r.readEntry(e, { password })) void _;
        } finally {
          await r.close();
        }
      } catch (e) { if (!isScelleError(e)) bad.push(`zip reader: ${(e as Error).stack}`); else codes.add(e.code); }
      try { await importZip(path, { password, verifyOnly: true }); } catch (e) { if (!isScelleError(e)) bad.push(`importZip: ${(e as Error).stack}`); else codes.add(e.code); }
    };
    for (let i = 0; i < 400; i++) {
      const b = pseudoRandomBytes(50 + (i % 400), 30_000 + i);
      if (i % 2) b.set([0x50, 0x4b, 0x03, 0x04], 0);
      if (i % 4 === 1) b.set([0x50, 0x4b, 0x05, 0x06], b.length - 22);
      await attempt(b);
    }
    for (let i = 0; i < 900; i++) {
      const z = zips[i % 2]!;
      const r = pseudoRandomBytes(8, 40_000 + i);
      const b = Uint8Array.from(z);
      // Bias half of the mutations towards the headers at both ends, where the parser works.
      const span = i % 2 ? Math.min(b.length, 400) : b.length;
      const at = i % 4 < 2 ? ((r[0]! << 8) | r[1]!) % span : b.length - 1 - (((r[0]! << 8) | r[1]!) % Math.min(b.length, 300));
      if (i % 3 === 0) b[at] = r[2]!;
      else if (i % 3 === 1) { b[at] = r[2]!; b[(at + 1 + r[3]!) % b.length] = r[4]!; }
      await attempt(i % 3 === 2 ? b.subarray(0, at) : b);
    }
    expect([...new Set(bad)]).toEqual([]);
    expect(codes.has('MALFORMED_ARCHIVE')).toBe(true);
    expect(codes.has('TRUNCATED')).toBe(true);
    expect(codes.has('DECRYPTION_FAILED')).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

// ---- secure messaging: the MIME walker (src/mss/mime.ts) on random bytes and mutated messages
import { parseMimeEntity, decodeBody } from '../../src/mss/mime.js';

it('MIME parser: random bytes and mutated messages give MIME_MALFORMED or a parse, never another error', () => {
  const sample = Buffer.from([
    'From: a@demo.mssante.fr', 'To: b@demo.mssante.fr', 'Subject: =?UTF-8?Q?=C3=A9t=C3=A9?=', 'MIME-Version: 1.0',
    'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="b1"', '',
    '--b1', 'Content-Type: multipart/mixed; boundary="b2"', '', '--b2', 'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable', '', 'Bonjour =C3=A9t=C3=A9=', 'suite', '--b2',
    'Content-Type: application/pdf; name*0*=utf-8\'\'r%C3%A9; name*1=s.pdf', 'Content-Transfer-Encoding: base64', '', 'JVBERi0xLjQK', '--b2--',
    '--b1', 'Content-Type: application/pkcs7-signature', 'Content-Transfer-Encoding: base64', '', 'MIIBAA==', '--b1--', '',
  ].join('\r\n'), 'latin1');
  const bad: string[] = [];
  const codes = new Set<string>();
  const attempt = (b: Uint8Array): void => {
    try {
      const e = parseMimeEntity(b);
      const walk = (x: typeof e): void => {
        if (x.parts.length === 0) decodeBody(x);
        x.parts.forEach(walk);
      };
      walk(e);
    } catch (err) {
      if (!isScelleError(err)) bad.push(String(err));
      else codes.add(err.code);
    }
  };
  for (let i = 0; i < 500; i++) attempt(pseudoRandomBytes(1 + (i % 700), 30_000 + i));
  for (let i = 0; i < 1500; i++) {
    const r = pseudoRandomBytes(6, 40_000 + i);
    const b = Uint8Array.from(sample);
    const at = ((r[0]! << 8) | r[1]!) % b.length;
    if (i % 3 === 0) b[at] = r[2]!;
    else if (i % 3 === 1) { b[at] = 0x0a; b[(at + r[3]!) % b.length] = 0x2d; }
    attempt(i % 3 === 2 ? b.subarray(0, at) : b);
  }
  expect([...new Set(bad)]).toEqual([]);
  expect([...codes]).toEqual(['MIME_MALFORMED']);
});

// ---- text formats read from outside: backup config, seals, recovery keys, destination and mail URLs, manifests
import { parseBackupConfig } from '../../src/backup/config.js';
import { parseSeal } from '../../src/backup/seal.js';
import { parseRecoveryKey } from '../../src/backup/keys.js';
import { parseDestinationUrl } from '../../src/backup/destination/index.js';
import { parseMailUrl } from '../../src/mss/transport.js';
import { parseManifest } from '../../src/export/manifest.js';
it('text parsers (config, seal, recovery key, URLs, manifest): random and mangled text gives a ScelleError, never a raw exception', () => {
  const bad: string[] = [];
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 =;:/?&@.#%[]{}\n\t-_\'"\\éü';
  const samples = [
    '[destinations]\nusb1 = usb:///media/usb\n', 'scelle-seal 1\nsnapshot: x\n', 'ABCD-EF01-2345-6789', 'usb1=usb:///media/x;offsite=true',
    'sftp://u@h:22/p;key=/k', 's3://b/p?endpoint=http://127.0.0.1:9000&region=r', 'smtps://u@h:465', 'imaps://u@h:993',
    '# scelle-manifest 1\n# size: 3\n' + 'a'.repeat(64) + '  f.txt\n',
  ];
  for (let i = 0; i < 3000; i++) {
    const r = pseudoRandomBytes(64, 50_000 + i);
    let text: string;
    if (i % 2) {
      text = [...r].map((x) => alphabet[x % alphabet.length]).join('');
    } else {
      const base = samples[i % samples.length]!;
      const at = r[0]! % Math.max(1, base.length);
      text = base.slice(0, at) + alphabet[r[1]! % alphabet.length]! + base.slice(at + (r[2]! % 3));
    }
    const bytes = new TextEncoder().encode(text);
    for (const [n, f] of [
      ['config', () => parseBackupConfig(text, 'x.conf')], ['seal', () => parseSeal(bytes)], ['recovery', () => parseRecoveryKey(text)],
      ['target', () => parseDestinationUrl(text)], ['smtp', () => parseMailUrl(text, 'smtp')], ['imap', () => parseMailUrl(text, 'imap')], ['manifest', () => parseManifest(bytes)],
    ] as const) {
      try { f(); } catch (e) { if (!isScelleError(e)) bad.push(`${n}: ${JSON.stringify(text)}: ${(e as Error).message}`); }
    }
  }
  expect([...new Set(bad)].slice(0, 10)).toEqual([]);
});
