/**
 * A PKI for proofs of existence (ETSI EN 319 102-1 §5.6): a root and a "personnes" CA; a signer
 * whose certificate expired yesterday; a signer revoked an hour ago; a trusted TSA; a rogue TSA
 * under a root nobody trusts; and the CRLs of now (plus an older one of the CA, from before the
 * revocation). Signatures are made with any signing-time (the signer's own claim) and time-stamps
 * with any genTime (a real TSA's clock, or a forger's), so that every case of "signed before or
 * after the certificate died, and what proves it" can be built.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCertificate, buildCrl, certificateSerial, type DnAttribute } from '../../src/crypto/cert-builder.js';
import { loadKeyAndCertIdentity } from '../../src/crypto/identity.js';
import { signDetached } from '../../src/crypto/cms/sign.js';
import { formatPem } from '../../src/crypto/pem.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';
import { Crl } from '../../src/crypto/x509/crl.js';
import { addSignatureTimestamp } from '../../src/timestamp/cades-t.js';
import { buildTstInfo, signTstInfo } from './tst-build.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ORG: DnAttribute[] = [{ type: 'C', value: 'FR' }, { type: 'O', value: 'SCELLE TEST POE' }];

interface Party {
  cert: Uint8Array;
  key: KeyObject;
}

/** The fixture. */
export interface PoeFixture {
  now: Date;
  root: Party;
  ca: Party;
  /** Valid for years, never revoked. */
  valid: Party;
  /** Valid from 400 days ago until yesterday. */
  expired: Party;
  /** Valid for years; revoked (keyCompromise) an hour ago. */
  revoked: Party;
  /** When `revoked` was revoked. */
  revokedAt: Date;
  /** A TSA under the trusted CA (EKU timeStamping, critical), valid for years. */
  tsa: Party;
  /** A TSA under a root nobody trusts. */
  rogueRoot: Party;
  rogueTsa: Party;
  /** The CA's CRL of now (revokes `revoked`) and the root's. */
  crls: Crl[];
  /** The CA's CRL of ten days ago: it does not know the revocation yet. */
  oldCaCrl: Crl;
  trust: X509Cert[];
  /** Writes root.pem (trust), crl.pem (now), crl-old.pem and crl-new.pem into `dir`. */
  writeFiles(dir: string): void;
  /** A detached CAdES-B signature over `content` by `who`, claiming `signingTime`. */
  sign(who: Party, content: Uint8Array, signingTime: Date): Promise<Uint8Array>;
  /** The signature with a signature time-stamp by `tsa` (trusted or rogue) dated `genTime`. */
  timestamp(signature: Uint8Array, tsa: Party, genTime: Date, chain?: Uint8Array[]): Promise<Uint8Array>;
}

const rsa = (): { publicKey: KeyObject; privateKey: KeyObject } => generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Builds the fixture around `now` (default: the current time). */
export function createPoeFixture(now: Date = new Date()): PoeFixture {
  const start = new Date(now.getTime() - 400 * DAY);
  const far = new Date(now.getTime() + 5 * 365 * DAY);
  const k = { root: rsa(), ca: rsa(), valid: rsa(), expired: rsa(), revoked: rsa(), tsa: rsa(), rogueRoot: rsa(), rogueTsa: rsa() };
  const root = buildCertificate({ subject: [...ORG, { type: 'CN', value: 'RACINE POE' }], publicKey: k.root.publicKey, signingKey: k.root.privateKey, notBefore: start, notAfter: far, ca: {}, keyUsage: ['keyCertSign', 'cRLSign'] });
  const ca = buildCertificate({ subject: [...ORG, { type: 'CN', value: 'AC POE PERSONNES' }], issuerCertificate: root, publicKey: k.ca.publicKey, signingKey: k.root.privateKey, notBefore: start, notAfter: far, ca: { pathLen: 0 }, keyUsage: ['keyCertSign', 'cRLSign'] });
  const person = (cn: string, key: KeyObject, notAfter: Date): Uint8Array => buildCertificate({
    subject: [...ORG, { type: 'SN', value: cn }, { type: 'CN', value: cn }], issuerCertificate: ca, publicKey: key, signingKey: k.ca.privateKey,
    notBefore: start, notAfter, keyUsage: ['nonRepudiation'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.4'], emails: [`${cn.toLowerCase()}@poe.mssante.fr`],
  });
  const valid = person('VALIDE', k.valid.publicKey, far);
  const expired = person('EXPIRE', k.expired.publicKey, new Date(now.getTime() - DAY));
  const revoked = person('REVOQUE', k.revoked.publicKey, far);
  const tsaCert = (issuer: Uint8Array, issuerKey: KeyObject, key: KeyObject, cn: string): Uint8Array => buildCertificate({
    subject: [...ORG, { type: 'CN', value: cn }], issuerCertificate: issuer, publicKey: key, signingKey: issuerKey, notBefore: start, notAfter: far,
    keyUsage: ['digitalSignature', 'nonRepudiation'], extendedKeyUsage: ['1.3.6.1.5.5.7.3.8'], extendedKeyUsageCritical: true,
  });
  const tsa = tsaCert(ca, k.ca.privateKey, k.tsa.publicKey, 'HORODATAGE POE');
  const rogueRoot = buildCertificate({ subject: [...ORG, { type: 'CN', value: 'RACINE FAUSSAIRE' }], publicKey: k.rogueRoot.publicKey, signingKey: k.rogueRoot.privateKey, notBefore: start, notAfter: far, ca: {}, keyUsage: ['keyCertSign', 'cRLSign'] });
  const rogueTsa = tsaCert(rogueRoot, k.rogueRoot.privateKey, k.rogueTsa.publicKey, 'HORODATAGE FAUSSAIRE');
  const revokedAt = new Date(now.getTime() - HOUR);

  const caCrl = buildCrl({ issuerCertificate: ca, signingKey: k.ca.privateKey, thisUpdate: new Date(now.getTime() - HOUR / 2), nextUpdate: new Date(now.getTime() + 7 * DAY), crlNumber: 2, revoked: [{ serialNumber: certificateSerial(revoked), revocationDate: revokedAt, reason: 'keyCompromise' }] });
  const oldCaCrl = buildCrl({ issuerCertificate: ca, signingKey: k.ca.privateKey, thisUpdate: new Date(now.getTime() - 10 * DAY), nextUpdate: new Date(now.getTime() + 20 * DAY), crlNumber: 1, revoked: [] });
  const rootCrl = buildCrl({ issuerCertificate: root, signingKey: k.root.privateKey, thisUpdate: new Date(now.getTime() - HOUR / 2), nextUpdate: new Date(now.getTime() + 30 * DAY), crlNumber: 1, revoked: [] });

  const party = (cert: Uint8Array, key: KeyObject): Party => ({ cert, key });
  const fx: PoeFixture = {
    now,
    root: party(root, k.root.privateKey),
    ca: party(ca, k.ca.privateKey),
    valid: party(valid, k.valid.privateKey),
    expired: party(expired, k.expired.privateKey),
    revoked: party(revoked, k.revoked.privateKey),
    revokedAt,
    tsa: party(tsa, k.tsa.privateKey),
    rogueRoot: party(rogueRoot, k.rogueRoot.privateKey),
    rogueTsa: party(rogueTsa, k.rogueTsa.privateKey),
    crls: [Crl.fromDer(caCrl), Crl.fromDer(rootCrl)],
    oldCaCrl: Crl.fromDer(oldCaCrl),
    trust: [X509Cert.fromDer(root)],
    writeFiles(dir: string): void {
      writeFileSync(join(dir, 'root.pem'), formatPem('CERTIFICATE', root));
      writeFileSync(join(dir, 'crl.pem'), formatPem('X509 CRL', caCrl) + formatPem('X509 CRL', rootCrl));
      writeFileSync(join(dir, 'crl-old.pem'), formatPem('X509 CRL', oldCaCrl) + formatPem('X509 CRL', rootCrl));
      writeFileSync(join(dir, 'crl-new.pem'), formatPem('X509 CRL', caCrl));
    },
    async sign(who: Party, content: Uint8Array, signingTime: Date): Promise<Uint8Array> {
      const id = await loadKeyAndCertIdentity(
        Buffer.from(who.key.export({ type: 'pkcs8', format: 'pem' }) as string),
        Buffer.from(formatPem('CERTIFICATE', who.cert)),
      );
      const entry = id.entries[0]!;
      return signDetached([content], { signer: entry, chain: [X509Cert.fromDer(ca)], signingTime });
    },
    async timestamp(signature: Uint8Array, by: Party, genTime: Date, chain: Uint8Array[] = by === fx.rogueTsa ? [] : [ca]): Promise<Uint8Array> {
      return addSignatureTimestamp(signature, async (hash, imprint) => signTstInfo(buildTstInfo({ hash, imprint, genTime, tsaName: true }, by.cert), { cert: by.cert, key: by.key, certs: [by.cert, ...chain] }), { clock: () => now });
    },
  };
  return fx;
}

/** SHA-256 of bytes, hex. */
export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
