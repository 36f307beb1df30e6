/**
 * readPkcs12ClearCertificates: the certificates a .p12 keeps in clear, read without its password,
 * on files OpenSSL writes (-certpbe NONE with and without a key, with and without a MAC, and the
 * default where certificates are encrypted), and on ours.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPkcs12ClearCertificates } from '../../../src/crypto/pkcs12.js';
import { createDemoPki, type DemoPki } from '../../../src/crypto/demo-pki.js';
import { formatPem } from '../../../src/crypto/pem.js';
import { X509Cert } from '../../../src/crypto/x509/certificate.js';
import { havePeers, runPeer } from '../../helpers/peers.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { codeOf } from '../../helpers/errors.js';

describe.skipIf(!havePeers('openssl'))('PKCS#12 certificates readable without the password', () => {
  let tmp: { dir: string; cleanup: () => void };
  let pki: DemoPki;
  let key: string;
  let cert: string;
  let ca: string;
  beforeAll(async () => {
    tmp = makeTempDir('scelle-p12-clear-');
    pki = await createDemoPki();
    key = join(tmp.dir, 'key.pem');
    cert = join(tmp.dir, 'cert.pem');
    ca = join(tmp.dir, 'ca.pem');
    writeFileSync(key, pki.praticien.keys[0]!.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    writeFileSync(cert, formatPem('CERTIFICATE', pki.praticien.certificates[0]!));
    writeFileSync(ca, formatPem('CERTIFICATE', pki.ca));
  });
  afterAll(() => tmp.cleanup());

  const p12 = (name: string, args: string[]): Uint8Array => {
    const out = join(tmp.dir, name);
    runPeer('openssl', ['pkcs12', '-export', '-out', out, '-passout', 'pass:Secret-2026!', ...args]);
    return readFileSync(out);
  };
  const subjects = (der: Uint8Array): string[] => readPkcs12ClearCertificates(der).certificates.map((c) => X509Cert.fromDer(c.der).subject);

  it('key and certificates, certificates in clear (-certpbe NONE): the certificates, not the key, MAC present', () => {
    const der = p12('clear-key.p12', ['-inkey', key, '-in', cert, '-certfile', ca, '-certpbe', 'NONE']);
    const r = readPkcs12ClearCertificates(der);
    expect(r.hasMac).toBe(true);
    expect(r.encryptedParts).toBe(0);
    expect(r.certificates.map((c) => Buffer.compare(Buffer.from(c.der), Buffer.from(pki.praticien.certificates[0]!)) === 0 || Buffer.compare(Buffer.from(c.der), Buffer.from(pki.ca)) === 0)).toEqual([true, true]);
  });

  it('a certificate-only bag without a MAC (-nokeys -certpbe NONE -nomac)', () => {
    const der = p12('certs-only.p12', ['-nokeys', '-in', cert, '-certfile', ca, '-certpbe', 'NONE', '-nomac']);
    const r = readPkcs12ClearCertificates(der);
    expect(r.hasMac).toBe(false);
    expect(subjects(der)).toHaveLength(2);
    expect(subjects(der).some((s) => s.includes('DURAND'))).toBe(true);
  });

  it('OpenSSL 3 default (certificates encrypted with PBES2) and ours: nothing in clear, one encrypted part', () => {
    for (const der of [p12('default.p12', ['-inkey', key, '-in', cert]), pki.praticien.p12]) {
      const r = readPkcs12ClearCertificates(der);
      expect(r.certificates).toEqual([]);
      expect(r.encryptedParts).toBe(1);
    }
  });

  it('not a PKCS#12 file: MALFORMED_ASN1', () => {
    expect(codeOf(() => readPkcs12ClearCertificates(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05])))).toBe('MALFORMED_ASN1');
    expect(codeOf(() => readPkcs12ClearCertificates(new TextEncoder().encode('hello')))).toBe('MALFORMED_ASN1');
  });
});
