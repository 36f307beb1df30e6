/**
 * Recipients for the CMS envelope tests, issued by the demo PKI's "personnes" CA: the
 * practitioner's p12 (signature + encryption RSA-2048 certificates, as IGC-Santé issues them), a
 * colleague's encryption certificate, an EC P-256 encryption certificate with keyAgreement (for
 * ECDH), and certificates that must be refused as recipients. PEM files are written for openssl.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCertificate, type KeyUsageBit } from '../../src/crypto/cert-builder.js';
import { createDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';
import { loadPkcs12Identity, type Identity } from '../../src/crypto/identity.js';
import { formatPem } from '../../src/crypto/pem.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';

/** A recipient: certificate, key, and their PEM files. */
export interface Recipient {
  cert: X509Cert;
  key: KeyObject;
  certPem: string;
  keyPem: string;
}

export interface EnvelopeFixture {
  pki: DemoPki;
  root: X509Cert;
  ca: X509Cert;
  /** The practitioner's p12 identity (signature + encryption entries). */
  identity: Identity;
  /** The practitioner's encryption certificate (RSA-2048, keyEncipherment). */
  rsa: Recipient;
  /** The colleague's encryption certificate (RSA-2048). */
  colleague: Recipient;
  /** EC P-256, keyAgreement. */
  ec: Recipient;
  /** RSA signature-only certificate (nonRepudiation): not a valid recipient. */
  signatureOnly: Recipient;
  /** EC certificate with digitalSignature only: not a valid ECDH recipient. */
  ecNoAgreement: Recipient;
  /** RSA keyEncipherment certificate that expired yesterday. */
  expired: Recipient;
  /** Self-issued RSA keyEncipherment certificate outside the demo PKI. */
  stranger: Recipient;
}

const DAY = 86_400_000;

export async function createEnvelopeFixture(dir: string): Promise<EnvelopeFixture> {
  const now = new Date();
  const pki = await createDemoPki({ now });
  const ca = X509Cert.fromDer(pki.ca);
  const root = X509Cert.fromDer(pki.root);
  const write = (name: string, cert: Uint8Array, key: KeyObject): Recipient => {
    const certPem = join(dir, `${name}.crt`);
    const keyPem = join(dir, `${name}.key`);
    writeFileSync(certPem, formatPem('CERTIFICATE', cert));
    writeFileSync(keyPem, formatPem('PRIVATE KEY', new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }))), { mode: 0o600 });
    return { cert: X509Cert.fromDer(cert), key, certPem, keyPem };
  };
  const issue = (name: string, type: 'rsa' | 'ec', keyUsage: KeyUsageBit[], notAfter = new Date(now.getTime() + 365 * DAY), selfIssued = false): Recipient => {
    const keys = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cert = buildCertificate({
      subject: [{ type: 'C', value: 'FR' }, { type: 'O', value: 'SCELLE DEMO - NON OFFICIEL' }, { type: 'CN', value: name.toUpperCase() }],
      ...(selfIssued ? {} : { issuerCertificate: pki.ca }),
      publicKey: keys.publicKey,
      signingKey: selfIssued ? keys.privateKey : pki.caKey,
      notBefore: new Date(now.getTime() - 2 * DAY),
      notAfter,
      keyUsage,
      extendedKeyUsage: ['1.3.6.1.5.5.7.3.4'],
    });
    return write(name, cert, keys.privateKey);
  };
  writeFileSync(join(dir, 'root.pem'), formatPem('CERTIFICATE', pki.root));
  writeFileSync(join(dir, 'ca.pem'), formatPem('CERTIFICATE', pki.ca));
  return {
    pki,
    root,
    ca,
    identity: loadPkcs12Identity(pki.praticien.p12, pki.praticien.password, { name: 'praticien.p12' }),
    rsa: write('praticien-chiffrement', pki.praticien.certificates[1]!, pki.praticien.keys[1]!),
    colleague: write('confrere-chiffrement', pki.confrere.certificates[1]!, pki.confrere.keys[1]!),
    ec: issue('ecdh-p256', 'ec', ['digitalSignature', 'keyAgreement']),
    signatureOnly: write('praticien-signature', pki.praticien.certificates[0]!, pki.praticien.keys[0]!),
    ecNoAgreement: issue('ec-signature', 'ec', ['digitalSignature']),
    expired: issue('expire', 'rsa', ['keyEncipherment'], new Date(now.getTime() - DAY)),
    stranger: issue('inconnu', 'rsa', ['keyEncipherment'], undefined, true),
  };
}
