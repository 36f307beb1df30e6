/**
 * Signing identities for the CMS signing tests: the demo PKI's practitioner (RSA-2048 from a
 * PKCS#12, as a CPS card would hold it) and an ECDSA P-256 identity issued by the same demo CA
 * with key usage nonRepudiation; root.pem / ca.pem written for the peers.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCertificate } from '../../src/crypto/cert-builder.js';
import { createDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';
import { loadKeyAndCertIdentity, loadPkcs12Identity, selectCertificate, type Identity, type IdentityEntry } from '../../src/crypto/identity.js';
import { formatPem } from '../../src/crypto/pem.js';
import type { X509Cert } from '../../src/crypto/x509/certificate.js';

/** What {@link createSigningFixture} made. */
export interface SigningFixture {
  pki: DemoPki;
  identity: Identity;
  /** The practitioner's non-repudiation entry (RSA-2048, software). */
  rsa: IdentityEntry;
  /** An ECDSA P-256 non-repudiation entry issued by the demo CA. */
  ec: IdentityEntry;
  /** The CA certificates (intermediate and root) to embed. */
  chain: X509Cert[];
  /** root.pem (trust anchor) and ca.pem in `dir`. */
  rootPem: string;
  caPem: string;
}

/** Makes the demo PKI and writes root.pem/ca.pem into `dir`. */
export async function createSigningFixture(dir: string): Promise<SigningFixture> {
  const now = new Date();
  const pki = await createDemoPki({ now });
  const identity = loadPkcs12Identity(pki.praticien.p12, pki.praticien.password, { name: 'praticien.p12' });
  const rsa = selectCertificate(identity, 'sign').entry;
  const chain = identity.certificates.filter((c) => c.basicConstraints?.ca === true);

  const ecKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecCert = buildCertificate({
    subject: [{ type: 'C', value: 'FR' }, { type: 'O', value: 'SCELLE DEMO - NON OFFICIEL' }, { type: 'CN', value: 'ECDSA SIGNATAIRE DEMO' }],
    issuerCertificate: pki.ca, publicKey: ecKeys.publicKey, signingKey: pki.caKey,
    notBefore: new Date(now.getTime() - 86_400_000), notAfter: new Date(now.getTime() + 365 * 86_400_000),
    keyUsage: ['nonRepudiation'], emails: ['ecdsa@demo.mssante.fr'],
  });
  const ecIdentity = await loadKeyAndCertIdentity(new Uint8Array(ecKeys.privateKey.export({ type: 'pkcs8', format: 'der' })), ecCert);
  const ec = ecIdentity.entries[0]!;

  const rootPem = join(dir, 'root.pem');
  const caPem = join(dir, 'ca.pem');
  writeFileSync(rootPem, formatPem('CERTIFICATE', pki.root));
  writeFileSync(caPem, formatPem('CERTIFICATE', pki.ca));
  return { pki, identity, rsa, ec, chain, rootPem, caPem };
}
