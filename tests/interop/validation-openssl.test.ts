/**
 * What third-party material looks like, made by OpenSSL and read by scelle: a PKCS#12 holding only
 * certificates and a PKCS#7 `.p7b` bundle (`scelle cert show`), CMS signatures with SHA-3 digests
 * (RSA PKCS#1 v1.5 and RSASSA-PSS), a DSA signature (refused as unsupported, never reported as a
 * forgery), and the extended key usages real EU signing certificates carry.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCertificate, type KeyUsageBit } from '../../src/crypto/cert-builder.js';
import { createDemoPki, writeDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';
import { formatPem } from '../../src/crypto/pem.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';
import { Crl } from '../../src/crypto/x509/crl.js';
import { verifyCertificateChain } from '../../src/crypto/x509/verify-chain.js';
import { verifySignatureFile } from '../../src/validation/verify-signature.js';
import { readFileChunks } from '../../src/io/file-chunks.js';
import { scelle } from '../helpers/cli.js';
import { buildSignedData } from '../helpers/cms-build.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';

describe.skipIf(!havePeers('openssl'))('validation interop with OpenSSL-made material', () => {
  let tmp: { dir: string; cleanup: () => void };
  let pki: DemoPki;
  const f = (n: string): string => join(tmp.dir, n);
  const anchors = (): X509Cert[] => [X509Cert.fromDer(pki.root)];
  const crls = (): Crl[] => [Crl.fromDer(pki.crl), Crl.fromDer(pki.rootCrl)];

  /** A leaf under the demo CA for `key`, with the given usages, written as leaf PEM + key PEM. */
  function leaf(name: string, key: { publicKey: KeyObject; privateKey: KeyObject }, extendedKeyUsage: string[] | undefined, keyUsage: KeyUsageBit[] = ['digitalSignature', 'nonRepudiation']): X509Cert {
    const der = buildCertificate({
      subject: [{ type: 'C', value: 'FR' }, { type: 'O', value: 'SCELLE DEMO - NON OFFICIEL' }, { type: 'CN', value: name }],
      issuerCertificate: pki.ca, publicKey: key.publicKey, signingKey: pki.caKey,
      notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 365 * 86_400_000), keyUsage,
      ...(extendedKeyUsage !== undefined ? { extendedKeyUsage } : {}),
    });
    writeFileSync(f(`${name}.pem`), formatPem('CERTIFICATE', der));
    writeFileSync(f(`${name}.key`), key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    return X509Cert.fromDer(der);
  }

  beforeAll(async () => {
    tmp = makeTempDir('scelle-validation-interop-');
    pki = await createDemoPki();
    await writeDemoPki(pki, tmp.dir);
    writeFileSync(f('lettre.txt'), 'Compte rendu de consultation.\n');
  });
  afterAll(() => tmp.cleanup());

  describe('cert show reads what CAs and Windows hand over', () => {
    it('a PKCS#12 with certificates only (openssl pkcs12 -export -nokeys), with an empty password and with one', () => {
      runPeer('openssl', ['pkcs12', '-export', '-nokeys', '-in', f('ca.pem'), '-certfile', f('root.pem'), '-passout', 'pass:', '-out', f('chaine-vide.p12')]);
      const empty = scelle(['cert', 'show', f('chaine-vide.p12'), '--json']);
      expect(empty.status, empty.stderr).toBe(0);
      expect(empty.json().certificates.map((c: { subject: string; hasPrivateKey: boolean }) => [c.subject.split(',')[0], c.hasPrivateKey])).toEqual([
        ['CN=AC IGC-SANTE DEMO PERSONNES', false], ['CN=AC RACINE IGC-SANTE DEMO', false],
      ]);
      runPeer('openssl', ['pkcs12', '-export', '-nokeys', '-in', f('ca.pem'), '-passout', 'pass:Chaine-Demo-2026!', '-out', f('chaine.p12')]);
      writeFileSync(f('chaine.pass'), 'Chaine-Demo-2026!\n');
      const withPassword = scelle(['cert', 'show', f('chaine.p12'), '--pass-file', f('chaine.pass'), '--json']);
      expect(withPassword.status, withPassword.stderr).toBe(0);
      expect(withPassword.json().certificates).toHaveLength(1);
      // A practitioner's p12 still shows which certificates have their key in it.
      writeFileSync(f('praticien.pass'), `${pki.praticien.password}\n`);
      const own = scelle(['cert', 'show', f('praticien.p12'), '--pass-file', f('praticien.pass'), '--json']).json();
      expect(own.certificates.filter((c: { hasPrivateKey: boolean }) => c.hasPrivateKey)).toHaveLength(2);
    });

    it('a .p7b bundle (openssl crl2pkcs7 -nocrl), DER and PEM; also as --trust', () => {
      runPeer('openssl', ['crl2pkcs7', '-nocrl', '-certfile', f('ca.pem'), '-certfile', f('root.pem'), '-outform', 'DER', '-out', f('chaine.p7b')]);
      runPeer('openssl', ['crl2pkcs7', '-nocrl', '-certfile', f('root.pem'), '-out', f('racine.p7b.pem')]);
      const der = scelle(['cert', 'show', f('chaine.p7b'), '--json']);
      expect(der.status, der.stderr).toBe(0);
      expect(der.json().certificates).toHaveLength(2);
      const pem = scelle(['cert', 'show', f('racine.p7b.pem'), '--json']);
      expect(pem.json().certificates[0].subject).toContain('AC RACINE IGC-SANTE DEMO');
      const v = scelle(['cert', 'verify', f('praticien.pem'), '--trust', f('racine.p7b.pem'), '--crl', f('crl.pem'), '--purpose', 'sign', '--json']);
      expect(v.status, v.stdout).toBe(0);
    });
  });

  describe('digests and signature algorithms', () => {
    it('openssl cms -sign -md sha3-256 (RSA PKCS#1 v1.5 with SHA3-256): valid', async () => {
      leaf('SIGNATAIRE SHA3', generateKeyPairSync('rsa', { modulusLength: 2048 }), ['1.3.6.1.5.5.7.3.4']);
      runPeer('openssl', ['cms', '-sign', '-binary', '-in', f('lettre.txt'), '-signer', f('SIGNATAIRE SHA3.pem'), '-inkey', f('SIGNATAIRE SHA3.key'), '-certfile', f('ca.pem'),
        '-md', 'sha3-256', '-outform', 'DER', '-out', f('sha3.p7s')]);
      const v = await verifySignatureFile(f('sha3.p7s'), { trustAnchors: anchors(), crls: crls(), content: readFileChunks(f('lettre.txt')) });
      expect(v.signers[0]!.problems).toEqual([]);
      expect(v.ok).toBe(true);
      expect(v.signers[0]!.digestAlgorithm).toBe('SHA3-256');
      expect(v.signers[0]!.signatureAlgorithm).toBe('id-rsassa-pkcs1-v1_5-with-sha3-256');
    });

    it('RSASSA-PSS with SHA3-256 (OpenSSL 3.0 cannot write it in CMS; built by the test helper): valid for scelle and for openssl cms -verify', async () => {
      const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const cert = leaf('SIGNATAIRE PSS SHA3', key, ['1.3.6.1.5.5.7.3.4']);
      const content = new TextEncoder().encode('Compte rendu de consultation.\n');
      const der = buildSignedData({ content, detached: true, signerCert: cert.der, key: key.privateKey, certificates: [cert.der, pki.ca], pssSha3: true });
      writeFileSync(f('pss-sha3.p7s'), der);
      const v = await verifySignatureFile(f('pss-sha3.p7s'), { trustAnchors: anchors(), crls: crls(), content: readFileChunks(f('lettre.txt')) });
      expect(v.signers[0]!.problems).toEqual([]);
      expect(v.signers[0]).toMatchObject({ ok: true, digestAlgorithm: 'SHA3-256', signatureAlgorithm: 'RSASSA-PSS' });
      const o = tryPeer('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', f('pss-sha3.p7s'), '-content', f('lettre.txt'), '-CAfile', f('root.pem'), '-purpose', 'any', '-out', '/dev/null']);
      expect(o.stderr).toContain('Verification successful');
    });

    it('a DSA signature (openssl cms -sign with a DSA key): UNSUPPORTED_ALGORITHM, INDETERMINATE — not a bad signature', async () => {
      leaf('SIGNATAIRE DSA', generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }), ['1.3.6.1.5.5.7.3.4']);
      runPeer('openssl', ['cms', '-sign', '-binary', '-in', f('lettre.txt'), '-signer', f('SIGNATAIRE DSA.pem'), '-inkey', f('SIGNATAIRE DSA.key'), '-certfile', f('ca.pem'),
        '-md', 'sha256', '-outform', 'DER', '-out', f('dsa.p7s')]);
      const v = await verifySignatureFile(f('dsa.p7s'), { trustAnchors: anchors(), crls: crls(), content: readFileChunks(f('lettre.txt')) });
      expect(v.ok).toBe(false);
      expect(v.code).toBe('UNSUPPORTED_ALGORITHM');
      expect(v.signers[0]).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'FORMAT_FAILURE' });
      expect(v.signers[0]!.problems.map((p) => p.code)).not.toContain('SIGNATURE_INVALID');
    });
  });

  describe('extended key usages of real EU signing certificates', () => {
    it.each([
      ['no EKU extension', undefined, true],
      ['emailProtection', ['1.3.6.1.5.5.7.3.4'], true],
      ['document signing (RFC 9336)', ['1.3.6.1.5.5.7.3.36'], true],
      ['Microsoft document signing', ['1.3.6.1.4.1.311.10.3.12'], true],
      ['anyExtendedKeyUsage', ['2.5.29.37.0'], true],
      ['TLS server only', ['1.3.6.1.5.5.7.3.1'], false],
      ['TLS client only', ['1.3.6.1.5.5.7.3.2'], false],
    ] as const)('%s → %s for signing', async (name, eku, ok) => {
      const cert = leaf(`EKU ${name}`, generateKeyPairSync('rsa', { modulusLength: 2048 }), eku === undefined ? undefined : [...eku]);
      const v = await verifyCertificateChain(cert, { trustAnchors: anchors(), intermediates: [X509Cert.fromDer(pki.ca)], crls: crls(), purpose: 'sign' });
      expect(v.ok, JSON.stringify(v.problems)).toBe(ok);
      if (!ok) expect(v.code).toBe('EKU_MISMATCH');
    });
  });
});
