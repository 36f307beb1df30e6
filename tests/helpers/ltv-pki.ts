/**
 * A test PKI for long-term PDF signatures, built with cert-builder so that every date is chosen:
 * a root and a CA valid 30 years, a practitioner's signature certificate valid 3 years, a TSA for
 * signature time-stamps valid 5 years and one for document time-stamps valid 20 years — and CRLs
 * issued whenever a test needs them (buildCrl takes any dates).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  createTimeStampAuthority, loadKeyAndCertIdentity, openSerialState, parseCrls, X509Cert, type Crl,
  type IdentityEntry, type TimestampTokenSource,
} from '../../src/index.js';
import { buildCertificate, buildCrl } from '../../src/internal.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DAY = 86_400_000;
const YEAR = 365.25 * DAY;
const ORG = [{ type: 'C', value: 'FR' }, { type: 'O', value: 'SCELLE TEST LTV' }] as const;

interface Party {
  cert: Uint8Array;
  key: KeyObject;
}

/** The long-term test PKI. */
export interface LtvPki {
  start: Date;
  root: Party;
  ca: Party;
  signer: Party;
  tsa1: Party;
  tsa2: Party;
  rootCert: X509Cert;
  signerEntry: IdentityEntry;
  chain: X509Cert[];
  /** CRLs of the CA and the root issued at `at` (valid 30 days). */
  crlsAt(at: Date): Crl[];
  /** A TSA (`tsa1` or `tsa2`) answering with `clock`'s time. */
  tsa(which: 'tsa1' | 'tsa2', clock: () => Date): Promise<TimestampTokenSource>;
}

const rsa = (): { publicKey: KeyObject; privateKey: KeyObject } => generateKeyPairSync('rsa', { modulusLength: 2048 });

export async function createLtvPki(start: Date): Promise<LtvPki> {
  const nb = new Date(start.getTime() - DAY);
  const after = (years: number): Date => new Date(nb.getTime() + years * YEAR);
  const rk = rsa();
  const root = { key: rk.privateKey, cert: buildCertificate({ subject: [...ORG, { type: 'CN', value: 'RACINE LTV' }], publicKey: rk.publicKey, signingKey: rk.privateKey, notBefore: nb, notAfter: after(30), ca: {}, keyUsage: ['keyCertSign', 'cRLSign'] }) };
  const ck = rsa();
  const ca = { key: ck.privateKey, cert: buildCertificate({ subject: [...ORG, { type: 'CN', value: 'AC LTV' }], issuerCertificate: root.cert, publicKey: ck.publicKey, signingKey: rk.privateKey, notBefore: nb, notAfter: after(30), ca: { pathLen: 0 }, keyUsage: ['keyCertSign', 'cRLSign'] }) };
  const leaf = (cn: string, years: number, tsa: boolean): Party => {
    const k = rsa();
    return {
      key: k.privateKey,
      cert: buildCertificate({
        subject: [...ORG, { type: 'SN', value: 'DURAND' }, { type: 'GN', value: 'CLAIRE' }, { type: 'CN', value: cn }], issuerCertificate: ca.cert, publicKey: k.publicKey, signingKey: ck.privateKey,
        notBefore: nb, notAfter: after(years), keyUsage: tsa ? ['digitalSignature', 'nonRepudiation'] : ['nonRepudiation'],
        ...(tsa ? { extendedKeyUsage: ['1.3.6.1.5.5.7.3.8'], extendedKeyUsageCritical: true } : { extendedKeyUsage: ['1.3.6.1.5.5.7.3.4'] }),
      }),
    };
  };
  const signer = leaf('810101234567', 3, false);
  const tsa1 = leaf('HORODATAGE SIGNATURES', 5, true);
  const tsa2 = leaf('HORODATAGE ARCHIVES', 20, true);
  const pkcs8 = (k: KeyObject): Uint8Array => new Uint8Array(k.export({ type: 'pkcs8', format: 'der' }));
  const signerEntry = (await loadKeyAndCertIdentity(pkcs8(signer.key), signer.cert)).entries[0]!;
  const chain = [X509Cert.fromDer(ca.cert)];
  return {
    start, root, ca, signer, tsa1, tsa2, rootCert: X509Cert.fromDer(root.cert), signerEntry, chain,
    crlsAt: (at) => [
      ...parseCrls(buildCrl({ issuerCertificate: ca.cert, signingKey: ck.privateKey, thisUpdate: at, nextUpdate: new Date(at.getTime() + 30 * DAY), crlNumber: Math.floor(at.getTime() / 1000), revoked: [] })),
      ...parseCrls(buildCrl({ issuerCertificate: root.cert, signingKey: rk.privateKey, thisUpdate: at, nextUpdate: new Date(at.getTime() + 30 * DAY), crlNumber: Math.floor(at.getTime() / 1000), revoked: [] })),
    ],
    tsa: async (which, clock) => {
      const p = which === 'tsa1' ? tsa1 : tsa2;
      const entry = (await loadKeyAndCertIdentity(pkcs8(p.key), p.cert)).entries[0]!;
      const authority = createTimeStampAuthority({ signer: entry, chain, state: await openSerialState(mkdtempSync(join(tmpdir(), 'scelle-ltv-tsa-'))), clock });
      return async (hash, imprint) => (await authority.issue({ hash, imprint, certReq: true })).token;
    },
  };
}

export { DAY, YEAR };
