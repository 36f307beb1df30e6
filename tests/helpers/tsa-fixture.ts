/**
 * A demo TSA for the timestamp tests: the demo PKI's `tsa` identity loaded from its PKCS#12
 * (RSA-2048, EKU timeStamping critical), root.pem / ca.pem / tsa-cert.pem / tsa-key.pem written
 * for the peers, and a state folder for serial numbers.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';
import { loadPkcs12Identity, selectCertificate, type IdentityEntry } from '../../src/crypto/identity.js';
import { formatPem } from '../../src/crypto/pem.js';
import type { X509Cert } from '../../src/crypto/x509/certificate.js';

/** What {@link createTsaFixture} made. */
export interface TsaFixture {
  pki: DemoPki;
  entry: IdentityEntry;
  /** The CA certificates (intermediate and root). */
  chain: X509Cert[];
  rootPem: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  p12: string;
}

/** Makes the demo PKI and writes the TSA's files into `dir`. */
export async function createTsaFixture(dir: string): Promise<TsaFixture> {
  const pki = await createDemoPki();
  const identity = loadPkcs12Identity(pki.tsa.p12, pki.tsa.password, { name: 'tsa.p12' });
  const entry = selectCertificate(identity, 'tsa').entry;
  const chain = identity.certificates.filter((c) => c.basicConstraints?.ca === true);
  const rootPem = join(dir, 'root.pem');
  const caPem = join(dir, 'ca.pem');
  const certPem = join(dir, 'tsa-cert.pem');
  const keyPem = join(dir, 'tsa-key.pem');
  const p12 = join(dir, 'tsa.p12');
  writeFileSync(rootPem, formatPem('CERTIFICATE', pki.root));
  writeFileSync(caPem, formatPem('CERTIFICATE', pki.ca));
  writeFileSync(certPem, formatPem('CERTIFICATE', entry.certificate.der));
  writeFileSync(keyPem, pki.tsa.keys[0]!.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  writeFileSync(p12, pki.tsa.p12, { mode: 0o600 });
  return { pki, entry, chain, rootPem, caPem, certPem, keyPem, p12 };
}
