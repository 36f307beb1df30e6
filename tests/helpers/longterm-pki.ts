/**
 * A PKI on a timeline, for long-term proofs: a root and a CA that live 40 years, a signer whose
 * certificate lasts 3 years, a first TSA whose certificate lasts 5 years and a second one that
 * lasts 25 — and CRLs issued whenever a test says. Times are years after `t0` (2010-06-01, so that
 * "15 years later" is still in the past of the real clock, which refuses time-stamps from the future).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCertificate, buildCrl, certificateSerial } from '../../src/crypto/cert-builder.js';
import { loadKeyAndCertIdentity, type IdentityEntry } from '../../src/crypto/identity.js';
import { formatPem } from '../../src/crypto/pem.js';
import { X509Cert } from '../../src/crypto/x509/certificate.js';
import { Crl } from '../../src/crypto/x509/crl.js';
import { openSerialState } from '../../src/timestamp/serial-state.js';
import { createTimeStampAuthority, type TimeStampAuthority } from '../../src/timestamp/tsa.js';
import type { TimestampTokenSource } from '../../src/timestamp/cades-t.js';

export const T0 = new Date('2010-06-01T10:00:00Z');
const DAY = 86_400_000;
const YEAR = 365.25 * DAY;

/** `t0` plus years (fractions allowed). */
export function at(years: number): Date {
  return new Date(T0.getTime() + years * YEAR);
}

const ORG = [{ type: 'C', value: 'FR' }, { type: 'O', value: 'SCELLE TEST - LONG TERME' }];
const rsa = (): { publicKey: KeyObject; privateKey: KeyObject } => generateKeyPairSync('rsa', { modulusLength: 2048 });

export interface LongTermPki {
  root: Uint8Array;
  rootKey: KeyObject;
  ca: Uint8Array;
  caKey: KeyObject;
  signer: { cert: Uint8Array; key: KeyObject };
  tsa1: { cert: Uint8Array; key: KeyObject };
  tsa2: { cert: Uint8Array; key: KeyObject };
  anchors: X509Cert[];
  /** The CA's and the root's CRLs, issued at `t` (valid 30 days), revoking what `revoked` lists. */
  crlsAt(t: Date, revoked?: { cert: Uint8Array; at: Date; reason?: 'keyCompromise' | 'cessationOfOperation' }[]): Crl[];
  /** The same CRLs as DER. */
  crlDersAt(t: Date): Uint8Array[];
}

/** Builds the PKI (keys are fresh each time). */
export function createLongTermPki(): LongTermPki {
  const rootKeys = rsa();
  const caKeys = rsa();
  const start = new Date(T0.getTime() - DAY);
  const root = buildCertificate({ subject: [...ORG, { type: 'CN', value: 'RACINE LONG TERME' }], publicKey: rootKeys.publicKey, signingKey: rootKeys.privateKey, notBefore: start, notAfter: at(40), ca: {}, keyUsage: ['keyCertSign', 'cRLSign'] });
  const ca = buildCertificate({ subject: [...ORG, { type: 'CN', value: 'AC LONG TERME' }], issuerCertificate: root, publicKey: caKeys.publicKey, signingKey: rootKeys.privateKey, notBefore: start, notAfter: at(40), ca: { pathLen: 0 }, keyUsage: ['keyCertSign', 'cRLSign'] });
  const leaf = (cn: string, years: number, tsa: boolean): { cert: Uint8Array; key: KeyObject } => {
    const k = rsa();
    const cert = buildCertificate({
      subject: [...ORG, { type: 'CN', value: cn }], issuerCertificate: ca, publicKey: k.publicKey, signingKey: caKeys.privateKey,
      notBefore: start, notAfter: at(years),
      ...(tsa ? { keyUsage: ['digitalSignature', 'nonRepudiation'] as const, extendedKeyUsage: ['1.3.6.1.5.5.7.3.8'], extendedKeyUsageCritical: true } : { keyUsage: ['nonRepudiation'] as const, extendedKeyUsage: ['1.3.6.1.5.5.7.3.4'] }),
    } as Parameters<typeof buildCertificate>[0]);
    return { cert, key: k.privateKey };
  };
  const signer = leaf('DR SIGNATAIRE', 3, false);
  const tsa1 = leaf('HORODATAGE 1 (5 ANS)', 5, true);
  const tsa2 = leaf('HORODATAGE 2 (25 ANS)', 25, true);
  const crlDersAt = (t: Date, revoked: { cert: Uint8Array; at: Date; reason?: 'keyCompromise' | 'cessationOfOperation' }[] = []): Uint8Array[] => [
    buildCrl({ issuerCertificate: ca, signingKey: caKeys.privateKey, thisUpdate: t, nextUpdate: new Date(t.getTime() + 30 * DAY), crlNumber: Math.floor(t.getTime() / 1000), revoked: revoked.map((r) => ({ serialNumber: certificateSerial(r.cert), revocationDate: r.at, reason: r.reason ?? 'keyCompromise' })) }),
    buildCrl({ issuerCertificate: root, signingKey: rootKeys.privateKey, thisUpdate: t, nextUpdate: new Date(t.getTime() + 30 * DAY), crlNumber: Math.floor(t.getTime() / 1000), revoked: [] }),
  ];
  return {
    root, rootKey: rootKeys.privateKey, ca, caKey: caKeys.privateKey, signer, tsa1, tsa2,
    anchors: [X509Cert.fromDer(root)],
    crlsAt: (t, revoked) => crlDersAt(t, revoked).map((d) => Crl.fromDer(d)),
    crlDersAt: (t) => crlDersAt(t),
  };
}

/** An identity entry from a key and certificate. */
export async function entryOf(cert: Uint8Array, key: KeyObject): Promise<IdentityEntry> {
  const id = await loadKeyAndCertIdentity(new TextEncoder().encode(key.export({ type: 'pkcs8', format: 'pem' }) as string), new TextEncoder().encode(formatPem('CERTIFICATE', cert)));
  return id.entries[0]!;
}

/** A TSA whose clock the test sets (`clock.now`), issuing tokens with the CA in them. */
export async function clockedTsa(pki: LongTermPki, which: 'tsa1' | 'tsa2', clock: { now: Date }): Promise<{ tsa: TimeStampAuthority; source: TimestampTokenSource }> {
  const id = pki[which];
  const state = await openSerialState(mkdtempSync(join(tmpdir(), 'scelle-lt-tsa-')), { clock: () => clock.now });
  const tsa = createTimeStampAuthority({ signer: await entryOf(id.cert, id.key), chain: [X509Cert.fromDer(pki.ca)], state, clock: () => clock.now });
  const source: TimestampTokenSource = async (hash, imprint) => (await tsa.issue({ hash, imprint, certReq: true })).token;
  return { tsa, source };
}
