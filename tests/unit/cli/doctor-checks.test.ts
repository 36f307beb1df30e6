/** The pure parts of `scelle doctor`: the Node.js version rule and a certificate's dates at the boundaries. */
import { describe, it, expect } from 'vitest';
import { nodeVersionAtLeast, checkNode } from '../../../cli/doctor/node-version.js';
import { certificateDates, daysUntil } from '../../../cli/doctor/check.js';
import { generateKeyPairSync } from 'node:crypto';
import { buildCertificate } from '../../../src/crypto/cert-builder.js';
import { X509Cert } from '../../../src/crypto/x509/certificate.js';

describe('Node.js version', () => {
  it.each([
    ['20.19.0', true], ['v20.19.0', true], ['20.20.2', true], ['22.1.0', true], ['20.18.3', false], ['18.20.4', false], ['20.19', true], ['20', false],
  ])('%s ≥ 20.19: %s', (v, ok) => {
    expect(nodeVersionAtLeast(v, '20.19')).toBe(ok);
    expect(checkNode(v).status).toBe(ok ? 'ok' : 'error');
  });
});

describe('certificate dates', () => {
  const now = new Date('2026-12-07T14:00:00Z');
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cert = (notBefore: string, notAfter: string): X509Cert => X509Cert.fromDer(buildCertificate({
    subject: [{ type: 'CN', value: 'TEST DOCTOR' }], publicKey: keys.publicKey, signingKey: keys.privateKey,
    notBefore: new Date(notBefore), notAfter: new Date(notAfter), keyUsage: ['nonRepudiation'],
  }));
  it.each([
    ['expired a second ago', '2020-01-01T00:00:00Z', '2026-12-07T13:59:59Z', 'error', 'doctor.cert.expired'],
    ['not yet valid', '2026-12-07T14:00:01Z', '2030-01-01T00:00:00Z', 'error', 'doctor.cert.notYetValid'],
    ['expires in 3 hours', '2020-01-01T00:00:00Z', '2026-12-07T17:00:00Z', 'warning', 'doctor.cert.expiring'],
    ['expires in exactly 60 days', '2020-01-01T00:00:00Z', '2027-02-05T14:00:00Z', 'warning', 'doctor.cert.expiring'],
    ['expires in 61 days', '2020-01-01T00:00:00Z', '2027-02-06T14:00:00Z', 'ok', 'doctor.cert.ok'],
  ])('%s', (_name, nb, na, status, key) => {
    const c = certificateDates('identity', 'x.p12', cert(nb, na), now, 60);
    expect(c.status).toBe(status);
    expect(c.key).toBe(key);
    if (status !== 'ok') expect(c.fixKey).toBeTruthy();
  });
  it('days are rounded up: 3 hours is "in 1 day"', () => {
    expect(daysUntil(new Date('2026-12-07T17:00:00Z'), now)).toBe(1);
  });
});
