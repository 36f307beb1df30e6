import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OID, X509Cert, namesMatch, parseCertificates } from '../../../../src/crypto/x509/certificate.js';
import { havePeers, runPeer } from '../../../helpers/peers.js';
import { makeTempDir } from '../../../helpers/tmp.js';
import { codeOf } from '../../../helpers/errors.js';

const CHAINS = join(import.meta.dirname, '../../../../test-vectors/chains');
const read = (p: string): Uint8Array => new Uint8Array(readFileSync(join(CHAINS, p)));
const one = (p: string): X509Cert => {
  const [c] = parseCertificates(read(p));
  if (c === undefined) throw new Error(`no certificate in ${p}`);
  return c;
};


describe('X509Cert: the IGC-Santé-like signing leaf', () => {
  const leaf = one('valid/leaf.pem');
  const int = one('valid/chain.pem');
  const root = one('valid/root.pem');

  it('decodes subject attributes in encoding order, with short names and UTF-8', () => {
    expect(leaf.subjectAttributes.map((a) => [a.shortName, a.value])).toEqual([
      ['C', 'FR'],
      ['L', 'Paris (75)'],
      ['O', 'CABINET MEDICAL DEMO'],
      ['OU', 'CABINET MEDICAL DEMO'],
      ['T', 'Médecin'],
      ['SN', 'DEMO'],
      ['GN', 'PAUL'],
      ['CN', '810012345678'],
    ]);
    expect(leaf.subjectAttributes.find((a) => a.shortName === 'T')?.oid).toBe('2.5.4.12');
  });

  it('renders RFC 4514 strings (reverse order)', () => {
    expect(leaf.subject).toBe('CN=810012345678,GN=PAUL,SN=DEMO,T=Médecin,OU=CABINET MEDICAL DEMO,O=CABINET MEDICAL DEMO,L=Paris (75),C=FR');
    expect(leaf.issuer).toBe('CN=TEST AC IGC-SANTE ELEMENTAIRE PERSONNES,OU=IGC-SANTE DEMO,OU=0002 187512751,O=ASIP-SANTE DEMO,C=FR');
    expect(leaf.issuer).toBe(int.subject);
  });

  it('decodes key usage, EKU, basic constraints with their criticality', () => {
    expect(leaf.keyUsage).toEqual(['digitalSignature', 'nonRepudiation']);
    expect(leaf.keyUsageCritical).toBe(true);
    expect(leaf.extendedKeyUsage).toEqual([OID.emailProtection]);
    expect(leaf.extendedKeyUsageCritical).toBe(false);
    expect(leaf.basicConstraints).toEqual({ ca: false, critical: true });
    expect(int.basicConstraints).toEqual({ ca: true, pathLen: 0, critical: true });
    expect(int.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(root.basicConstraints).toEqual({ ca: true, critical: true });
    expect(leaf.criticalExtensionOids.sort()).toEqual([OID.basicConstraints, OID.keyUsage].sort());
  });

  it('decodes SAN, CDP, AIA, policies', () => {
    expect(leaf.subjectAltNames).toEqual([{ type: 'email', value: 'paul.demo@medecin.mssante.fr' }]);
    expect(leaf.crlDistributionPoints).toEqual(['http://igc-sante.demo.invalid/crl/personnes.crl']);
    expect(leaf.ocspUrls).toEqual(['http://ocsp.igc-sante.demo.invalid/']);
    expect(leaf.caIssuersUrls).toEqual(['http://igc-sante.demo.invalid/ca/personnes.cer']);
    expect(leaf.certificatePolicies).toEqual(['1.2.250.1.71.4.2.1']);
    expect(root.crlDistributionPoints).toEqual([]);
    expect(root.ocspUrls).toEqual([]);
  });

  it('links AKI to the issuer SKI; the root has no AKI and is self-issued', () => {
    expect(leaf.authorityKeyIdentifier).toEqual(int.subjectKeyIdentifier);
    expect(int.authorityKeyIdentifier).toEqual(root.subjectKeyIdentifier);
    expect(root.authorityKeyIdentifier).toBeUndefined();
    expect(root.isSelfIssued()).toBe(true);
    expect(leaf.isSelfIssued()).toBe(false);
  });

  it('describes the key and signature algorithms', () => {
    expect(leaf.keyAlgorithm).toEqual({ type: 'rsa', bits: 2048 });
    expect(leaf.signatureAlgorithm).toEqual({ oid: OID.sha256WithRSAEncryption, name: 'sha256WithRSAEncryption', hash: 'sha256' });
    expect(leaf.publicKey.asymmetricKeyType).toBe('rsa');
    expect(leaf.notBefore.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(leaf.notAfter.toISOString()).toBe('2045-01-01T00:00:00.000Z');
  });

  it('keeps the raw Name DER for exact matching', () => {
    expect(Buffer.from(leaf.issuerDer).equals(Buffer.from(int.subjectDer))).toBe(true);
    expect(namesMatch(leaf.issuerDer, int.subjectDer)).toBe(true);
    expect(namesMatch(leaf.subjectDer, int.subjectDer)).toBe(false);
  });
});

describe('X509Cert: other algorithms', () => {
  it.each([
    ['valid-ecdsa/leaf.pem', { type: 'ec', curve: 'P-256', bits: 256 }, { name: 'ecdsa-with-SHA384', hash: 'sha384' }],
    ['valid-ecdsa/chain.pem', { type: 'ec', curve: 'P-384', bits: 384 }, { name: 'sha256WithRSAEncryption', hash: 'sha256' }],
    ['valid-ed25519/leaf.pem', { type: 'ed25519', bits: 256 }, { name: 'Ed25519' }],
    ['valid-pss/leaf.pem', { type: 'rsa', bits: 2048 }, { name: 'RSASSA-PSS', hash: 'sha256' }],
    ['sha1-signed/leaf.pem', { type: 'rsa', bits: 2048 }, { name: 'sha1WithRSAEncryption', hash: 'sha1' }],
    ['rsa-1024/leaf.pem', { type: 'rsa', bits: 1024 }, { name: 'sha256WithRSAEncryption', hash: 'sha256' }],
  ])('%s', (file, key, sig) => {
    const c = one(file);
    expect(c.keyAlgorithm).toEqual(key);
    expect(c.signatureAlgorithm).toMatchObject(sig);
    if (!('hash' in sig)) expect(c.signatureAlgorithm.hash).toBeUndefined();
  });

  it('the TSA leaf has a critical timeStamping EKU', () => {
    const c = one('valid-tsa/leaf.pem');
    expect(c.extendedKeyUsage).toEqual([OID.timeStamping]);
    expect(c.extendedKeyUsageCritical).toBe(true);
  });

  it('lists an unknown critical extension', () => {
    expect(one('unknown-critical-extension/leaf.pem').criticalExtensionOids).toContain('1.2.250.1.71.99.1');
  });
});

describe('parseCertificates', () => {
  it('reads every block of a PEM bundle in order, and a single DER certificate', () => {
    const bundle = parseCertificates(read('pathlen-violated/chain.pem'));
    expect(bundle.map((c) => c.subject.split(',')[0])).toEqual(['CN=TEST AC IGC-SANTE SOUS-AC', 'CN=TEST AC IGC-SANTE PATHLEN 0']);
    const der = one('valid/leaf.pem').der;
    const fromDer = parseCertificates(der);
    expect(fromDer).toHaveLength(1);
    expect(fromDer[0]?.equals(one('valid/leaf.pem'))).toBe(true);
  });

  it('ignores text and other PEM blocks around certificates', () => {
    const text = `Bag Attributes\n-----BEGIN X509 CRL-----\n${Buffer.from(read('revoked/crl.pem')).toString().split('\n').slice(1, -2).join('\n')}\n-----END X509 CRL-----\n${Buffer.from(read('valid/leaf.pem')).toString()}`;
    expect(parseCertificates(new TextEncoder().encode(text))).toHaveLength(1);
  });

  it.each([
    ['garbage DER', new Uint8Array([1, 2, 3, 4]), 'MALFORMED_ASN1'],
    ['a DER SEQUENCE that is not a certificate', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), 'MALFORMED_ASN1'],
    ['PEM without a CERTIFICATE block', new TextEncoder().encode('-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n'), 'MALFORMED_PEM'],
    ['PEM with bad base64', new TextEncoder().encode('-----BEGIN CERTIFICATE-----\nMI*I\n-----END CERTIFICATE-----\n'), 'MALFORMED_PEM'],
    ['unterminated PEM', new TextEncoder().encode('-----BEGIN CERTIFICATE-----\nMIIB\n'), 'MALFORMED_PEM'],
  ])('rejects %s', (_n, input, code) => {
    expect(codeOf(() => parseCertificates(input))).toBe(code);
  });

  it('rejects trailing bytes after the DER certificate', () => {
    const der = one('valid/leaf.pem').der;
    const padded = new Uint8Array(der.length + 1);
    padded.set(der);
    expect(codeOf(() => X509Cert.fromDer(padded))).toBe('MALFORMED_ASN1');
  });
});

describe.skipIf(!havePeers('openssl'))('agreement with openssl x509', () => {
  const tmp = makeTempDir('scelle-x509-');
  afterAll(() => tmp.cleanup());

  it.each(['valid/leaf.pem', 'valid/root.pem', 'valid-ecdsa/leaf.pem', 'valid-ed25519/chain.pem', 'revoked/leaf.pem'])(
    'fingerprint, serial and SKI of %s',
    (file) => {
      const c = one(file);
      const out = runPeer('openssl', ['x509', '-in', join(CHAINS, file), '-noout', '-fingerprint', '-sha256', '-serial', '-ext', 'subjectKeyIdentifier']);
      expect(out).toContain(`sha256 Fingerprint=${c.sha256Fingerprint()}`);
      expect(out).toContain(`serial=${c.serialNumberHex}`);
      const ski = Array.from(c.subjectKeyIdentifier ?? [], (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
      expect(out).toContain(ski);
    },
  );

  it('SAN of every type, multi-valued RDN, RFC 4514 escaping, CDP/AIA/policies match openssl', () => {
    const dir = tmp.dir;
    writeFileSync(
      join(dir, 'ext.cnf'),
      [
        '[req]',
        'distinguished_name = rdn',
        '[rdn]',
        '[ext]',
        'basicConstraints = critical,CA:FALSE',
        'keyUsage = keyEncipherment,dataEncipherment',
        'extendedKeyUsage = clientAuth,1.2.3.4.5',
        'subjectAltName = @san',
        'crlDistributionPoints = URI:http://a.example/x.crl,URI:ldap://b.example/cn=x',
        'authorityInfoAccess = OCSP;URI:http://ocsp.example/,OCSP;URI:http://ocsp2.example/,caIssuers;URI:http://ca.example/ca.cer',
        'certificatePolicies = 1.2.250.1.71.4.2.1,1.2.250.1.71.4.2.7',
        '[san]',
        'email.1 = a@example.fr',
        'DNS.1 = www.example.fr',
        'IP.1 = 127.0.0.1',
        'IP.2 = ::1',
        'URI.1 = https://example.fr/p',
        'dirName.1 = dn',
        'otherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:paul@example.fr',
        '[dn]',
        'C = FR',
        'CN = Other Name',
      ].join('\n'),
    );
    runPeer('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(dir, 'k.pem')]);
    runPeer('openssl', [
      'req', '-new', '-x509', '-key', join(dir, 'k.pem'), '-days', '30',
      '-subj', '/C=FR/O=Cabinet "A\\, B"; & Co/OU=#ops/CN=Dupont\\, Jean+UID=jd42 ',
      '-config', join(dir, 'ext.cnf'), '-extensions', 'ext', '-out', join(dir, 'c.pem'),
    ]);
    const [c] = parseCertificates(new Uint8Array(readFileSync(join(dir, 'c.pem'))));
    const subject = runPeer('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-subject', '-nameopt', 'RFC2253']).trim();
    // OpenSSL's dn_rev also reverses the attributes inside a multi-valued RDN; RFC 4514 leaves that
    // order open, so compare RDN by RDN with their '+' parts sorted.
    const canon = (dn: string): string[] => dn.split(/(?<!\\),/).map((rdn) => rdn.split(/(?<!\\)\+/).sort().join('+'));
    expect(canon(c!.subject)).toEqual(canon(subject.replace(/^subject=/, '')));
    expect(c!.subject).toBe('CN=Dupont\\, Jean+UID=jd42\\ ,OU=\\#ops,O=Cabinet \\"A\\, B\\"\\; & Co,C=FR');
    expect(c!.subjectAltNames.map((n) => ({ type: n.type, value: n.value }))).toEqual([
      { type: 'email', value: 'a@example.fr' },
      { type: 'dns', value: 'www.example.fr' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '0:0:0:0:0:0:0:1' },
      { type: 'uri', value: 'https://example.fr/p' },
      { type: 'dirName', value: 'CN=Other Name,C=FR' },
      { type: 'other', value: '1.3.6.1.4.1.311.20.2.3:paul@example.fr' },
    ]);
    // The bytes name constraints compare are kept too.
    expect(c!.subjectAltNames.find((n) => n.type === 'ip')).toMatchObject({ bytes: Uint8Array.of(127, 0, 0, 1) });
    expect(c!.keyUsage).toEqual(['keyEncipherment', 'dataEncipherment']);
    expect(c!.keyUsageCritical).toBe(false);
    expect(c!.extendedKeyUsage).toEqual([OID.clientAuth, '1.2.3.4.5']);
    expect(c!.crlDistributionPoints).toEqual(['http://a.example/x.crl', 'ldap://b.example/cn=x']);
    expect(c!.ocspUrls).toEqual(['http://ocsp.example/', 'http://ocsp2.example/']);
    expect(c!.caIssuersUrls).toEqual(['http://ca.example/ca.cer']);
    expect(c!.certificatePolicies).toEqual(['1.2.250.1.71.4.2.1', '1.2.250.1.71.4.2.7']);
    expect(c!.isSelfIssued()).toBe(true);
    const fp = runPeer('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-fingerprint', '-sha256']).trim();
    expect(fp).toBe(`sha256 Fingerprint=${c!.sha256Fingerprint()}`);
  });
});
