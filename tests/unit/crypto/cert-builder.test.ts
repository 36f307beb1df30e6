import { describe, it, expect, afterAll } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCertificate, buildCrl, certificateSerial } from '../../../src/crypto/cert-builder.js';
import { havePeers, tryPeer, runPeer } from '../../helpers/peers.js';
import { makeTempDir } from '../../helpers/tmp.js';

const pem = (label: string, der: Uint8Array): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

describe.skipIf(!havePeers('openssl'))('certificates and CRLs we build are accepted by openssl', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());
  const now = new Date();
  const rootKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leafKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const root = buildCertificate({
    subject: [{ type: 'C', value: 'FR' }, { type: 'O', value: 'DEMO' }, { type: 'CN', value: 'DEMO Racine' }],
    publicKey: rootKeys.publicKey, signingKey: rootKeys.privateKey,
    notBefore: new Date(now.getTime() - 86400e3), notAfter: new Date(now.getTime() + 3650 * 86400e3),
    ca: {}, keyUsage: ['keyCertSign', 'cRLSign'],
  });
  const ca = buildCertificate({
    subject: [{ type: 'C', value: 'FR' }, { type: 'O', value: 'DEMO' }, { type: 'CN', value: 'DEMO AC Personnes' }],
    issuerCertificate: root, publicKey: caKeys.publicKey, signingKey: rootKeys.privateKey,
    notBefore: new Date(now.getTime() - 86400e3), notAfter: new Date(now.getTime() + 3000 * 86400e3),
    ca: { pathLen: 0 }, keyUsage: ['keyCertSign', 'cRLSign'],
  });
  const leaf = buildCertificate({
    subject: [{ type: 'C', value: 'FR' }, { type: 'T', value: 'Médecin' }, { type: 'CN', value: '810012345678' }],
    issuerCertificate: ca, publicKey: leafKeys.publicKey, signingKey: caKeys.privateKey,
    notBefore: new Date(now.getTime() - 86400e3), notAfter: new Date(now.getTime() + 1000 * 86400e3),
    keyUsage: ['nonRepudiation'], emails: ['praticien@demo.mssante.fr'],
  });
  const d = tmp.dir;
  writeFileSync(join(d, 'root.pem'), pem('CERTIFICATE', root));
  writeFileSync(join(d, 'ca.pem'), pem('CERTIFICATE', ca));
  writeFileSync(join(d, 'leaf.pem'), pem('CERTIFICATE', leaf));

  it('openssl verifies the chain for S/MIME signing', () => {
    const r = tryPeer('openssl', ['verify', '-x509_strict', '-purpose', 'smimesign', '-CAfile', join(d, 'root.pem'), '-untrusted', join(d, 'ca.pem'), join(d, 'leaf.pem')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('OK');
    expect(r.status).toBe(0);
  });

  it('one attribute per RDN, in order, and whole-second times (RFC 5280 §4.1.2.4, §4.1.2.5.2)', () => {
    const subject = runPeer('openssl', ['x509', '-in', join(d, 'leaf.pem'), '-noout', '-subject', '-nameopt', 'RFC2253']);
    expect(subject.trim()).toMatch(/^subject=CN=810012345678,title=[^,+]+,C=FR$/);
    expect(subject).not.toContain('+');
    const odd = buildCertificate({
      subject: [{ type: 'CN', value: 'x' }], publicKey: rootKeys.publicKey, signingKey: rootKeys.privateKey,
      notBefore: new Date('2026-01-01T10:00:00.750Z'), notAfter: new Date('2060-01-01T10:00:00.250Z'),
    });
    writeFileSync(join(d, 'odd.pem'), pem('CERTIFICATE', odd));
    const asn = runPeer('openssl', ['asn1parse', '-in', join(d, 'odd.pem')]);
    expect(asn).toContain('UTCTIME           :260101100000Z');
    expect(asn).toContain('GENERALIZEDTIME   :20600101100000Z');
  });

  it('openssl shows the extensions we wrote', () => {
    const text = runPeer('openssl', ['x509', '-in', join(d, 'leaf.pem'), '-noout', '-text']);
    expect(text).toMatch(/Key Usage: critical\s+Non Repudiation/);
    expect(text).toContain('email:praticien@demo.mssante.fr');
    expect(text).toMatch(/CA:FALSE/);
  });

  it('a CRL revoking the leaf is accepted by openssl and makes verification fail', () => {
    const crl = buildCrl({
      issuerCertificate: ca, signingKey: caKeys.privateKey,
      thisUpdate: new Date(now.getTime() - 3600e3), nextUpdate: new Date(now.getTime() + 30 * 86400e3), crlNumber: 1,
      revoked: [{ serialNumber: certificateSerial(leaf), revocationDate: new Date(now.getTime() - 60e3), reason: 'keyCompromise' }],
    });
    writeFileSync(join(d, 'crl.pem'), pem('X509 CRL', crl));
    const check = tryPeer('openssl', ['crl', '-in', join(d, 'crl.pem'), '-CAfile', join(d, 'ca.pem'), '-noout']);
    expect(check.stderr).toContain('verify OK');
    const r = tryPeer('openssl', ['verify', '-crl_check', '-CRLfile', join(d, 'crl.pem'), '-CAfile', join(d, 'root.pem'), '-untrusted', join(d, 'ca.pem'), join(d, 'leaf.pem')]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('certificate revoked');
  });
});
