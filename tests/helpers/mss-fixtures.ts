/** Demo PKI identities for the messaging tests: the practitioner and the colleague, loaded from their p12. */
import { createDemoPki, type DemoPki } from '../../src/crypto/demo-pki.js';
import { loadPkcs12Identity, selectCertificate, type Identity, type IdentityEntry } from '../../src/crypto/identity.js';
import { parseCertificates, type X509Cert } from '../../src/crypto/x509/certificate.js';
import { parseCrls, type Crl } from '../../src/crypto/x509/crl.js';
import { formatPem } from '../../src/crypto/pem.js';

export interface MssParty {
  identity: Identity;
  sign: IdentityEntry;
  encrypt: IdentityEntry;
  /** The CA chain without the root. */
  chain: X509Cert[];
  email: string;
}

export interface MssFixture {
  pki: DemoPki;
  root: X509Cert;
  ca: X509Cert;
  praticien: MssParty;
  confrere: MssParty;
  /** The demo PKI's CRLs ("personnes" CA and root): every signature check gets them (revocation data is required). */
  crls: Crl[];
  /** The same CRLs as PEM, for `--crl`. */
  crlPem: string;
}

function party(pki: DemoPki, who: 'praticien' | 'confrere'): MssParty {
  const d = pki[who];
  const identity = loadPkcs12Identity(d.p12, d.password, { name: `${who}.p12` });
  return {
    identity,
    sign: selectCertificate(identity, 'sign').entry,
    encrypt: selectCertificate(identity, 'encrypt').entry,
    chain: identity.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued()),
    email: d.email!,
  };
}

export async function createMssFixture(pki?: DemoPki): Promise<MssFixture> {
  const p = pki ?? (await createDemoPki());
  return {
    pki: p,
    root: parseCertificates(p.root)[0]!,
    ca: parseCertificates(p.ca)[0]!,
    praticien: party(p, 'praticien'),
    confrere: party(p, 'confrere'),
    crls: [...parseCrls(p.crl), ...parseCrls(p.rootCrl)],
    crlPem: formatPem('X509 CRL', p.crl) + formatPem('X509 CRL', p.rootCrl),
  };
}
