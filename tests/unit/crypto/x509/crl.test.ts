import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isScelleError } from '../../../../src/errors.js';
import { parseCertificates, type X509Cert } from '../../../../src/crypto/x509/certificate.js';
import { Crl, parseCrls, verifyCrl } from '../../../../src/crypto/x509/crl.js';

const CHAINS = join(import.meta.dirname, '../../../../test-vectors/chains');
const read = (p: string): Uint8Array => new Uint8Array(readFileSync(join(CHAINS, p)));
const cert = (p: string): X509Cert => parseCertificates(read(p))[0]!;
const crl = (p: string): Crl => parseCrls(read(p))[0]!;
const AT = new Date('2026-06-01T00:00:00Z');

describe('Crl', () => {
  const c = crl('revoked/crl.pem');
  const int = cert('revoked/chain.pem');
  const root = cert('revoked/root.pem');
  const leaf = cert('revoked/leaf.pem');

  it('decodes issuer, dates, number, AKI and entries with reasons', () => {
    expect(c.issuer).toBe(int.subject);
    expect(c.thisUpdate.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(c.nextUpdate?.toISOString()).toBe('2036-01-01T00:00:00.000Z');
    expect(c.crlNumberHex).toBe('1000');
    expect(c.authorityKeyIdentifier).toEqual(int.subjectKeyIdentifier);
    expect(c.signatureAlgorithm.name).toBe('sha256WithRSAEncryption');
    expect(c.isDelta).toBe(false);
    expect(c.revoked).toEqual([
      { serialNumberHex: '5000', revocationDate: new Date('2026-03-01T12:00:00Z'), reason: 'keyCompromise' },
      { serialNumberHex: '5001', revocationDate: new Date('2026-03-01T12:00:00Z'), reason: 'superseded' },
    ]);
    expect(c.findRevoked(leaf.serialNumberHex)?.reason).toBe('keyCompromise');
    expect(c.findRevoked('1000')).toBeUndefined();
  });

  it('parses DER as well as PEM', () => {
    const again = Crl.fromDer(c.der);
    expect(again.revoked).toEqual(c.revoked);
    expect(parseCrls(c.der)).toHaveLength(1);
  });

  it('verifies against its issuer at a time inside its window', () => {
    expect(c.isIssuedBy(int)).toBe(true);
    expect(c.isIssuedBy(root)).toBe(false);
    expect(verifyCrl(c, int, AT)).toEqual({ ok: true });
  });

  it.each([
    ['another issuer', () => verifyCrl(crl('revoked/crl.pem'), cert('revoked/root.pem'), AT), 'CRL_INVALID', /was not issued by/],
    ['a flipped signature bit', () => verifyCrl(crl('crl-bad-signature/crl.pem'), cert('crl-bad-signature/chain.pem'), AT), 'CRL_INVALID', /signature check/],
    ['a time before thisUpdate', () => verifyCrl(crl('revoked/crl.pem'), cert('revoked/chain.pem'), new Date('2025-12-31T00:00:00Z')), 'CRL_INVALID', /not valid yet/],
    ['a time after nextUpdate', () => verifyCrl(crl('crl-expired/crl.pem'), cert('crl-expired/chain.pem'), AT), 'CRL_EXPIRED', /nextUpdate 2026-02-01T00:00:00\.000Z is before 2026-06-01/],
  ])('refuses %s', (_name, run, code, message) => {
    const v = run();
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.code).toBe(code);
      expect(v.message).toMatch(message);
    }
  });

  it.each([
    ['PEM without a CRL block', new TextEncoder().encode('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), 'MALFORMED_PEM'],
    ['a certificate given as a DER CRL', cert('valid/leaf.pem').der, 'MALFORMED_ASN1'],
    ['garbage', new Uint8Array([0x30, 0x80]), 'MALFORMED_ASN1'],
  ])('parseCrls rejects %s', (_n, input, code) => {
    let got: string | undefined;
    try {
      parseCrls(input);
    } catch (e) {
      got = isScelleError(e) ? e.code : String(e);
    }
    expect(got).toBe(code);
  });
});
