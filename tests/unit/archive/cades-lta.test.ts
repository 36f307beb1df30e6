/**
 * CAdES-LT and CAdES-LTA (ETSI EN 319 122-1 §5.4–§5.5) on a 15-year timeline
 * (tests/helpers/longterm-pki.ts): a signature made and time-stamped in 2010 by a TSA whose
 * certificate lasts 5 years, archived the next day and re-archived at year 2.5 by a TSA whose
 * certificate lasts 25, is still valid in 2025 — offline, from what it carries, plus the CA's CRL of
 * the day for the newest archive time-stamp — when the signer's and the first TSA's certificates
 * have both expired.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { X509Cert } from '../../../src/crypto/x509/certificate.js';
import { signDetached } from '../../../src/crypto/cms/sign.js';
import { readSignedDataLayout, writeSignedDataLayout } from '../../../src/crypto/cms/signed-data-edit.js';
import { parseAtsHashIndex } from '../../../src/crypto/cms/ats-v3.js';
import { addSignatureTimestamp } from '../../../src/timestamp/cades-t.js';
import { extendSignature } from '../../../src/archive/extend.js';
import { verifySignature, type VerifySignatureOptions } from '../../../src/validation/verify-signature.js';
import { at, clockedTsa, createLongTermPki, entryOf, type LongTermPki } from '../../helpers/longterm-pki.js';
import { isScelleError } from '../../../src/errors.js';

const content = new TextEncoder().encode('Compte rendu opératoire du 1er juin 2010 — Mme D., 54 ans.\n');
const source = (): AsyncIterable<Uint8Array> => (async function* () {
  yield content;
})();

describe('CAdES-LT and CAdES-LTA over 15 years', () => {
  let pki: LongTermPki;
  const clock = { now: at(0) };
  let tSig: Uint8Array;
  let lta1: Uint8Array;
  let lta2: Uint8Array;
  const verifyAt = (sig: Uint8Array, years: number, crlYears: number[]): Promise<ReturnType<typeof verifySignature> extends Promise<infer V> ? V : never> =>
    verifySignature(sig, { trustAnchors: pki.anchors, crls: crlYears.flatMap((y) => pki.crlsAt(at(y))), at: at(years), content: source() } satisfies VerifySignatureOptions);

  beforeAll(async () => {
    pki = createLongTermPki();
    const signer = await entryOf(pki.signer.cert, pki.signer.key);
    const sig = await signDetached([content], { signer, chain: [X509Cert.fromDer(pki.ca)], signingTime: at(0) });
    const tsa1 = await clockedTsa(pki, 'tsa1', clock);
    tSig = await addSignatureTimestamp(sig, tsa1.source, { clock: () => clock.now });
  }, 60_000);

  it('LT embeds the paths and the CRLs that validate it now, and nothing is written when they are missing', async () => {
    clock.now = at(1 / 365);
    const options = { level: 'LT' as const, trustAnchors: pki.anchors, crls: pki.crlsAt(at(1 / 365)), content: source, clock: () => clock.now };
    const lt = await extendSignature(tSig, options);
    expect(lt.added).toMatchObject({ signatureTimestamps: 0, crls: 2 });
    expect(lt.added.certificates).toBeGreaterThanOrEqual(1);
    const v = await verifyAt(lt.signature, 1 / 365, []);
    expect(v.signers[0]!.problems).toEqual([]);
    expect(v.signers[0]!.cades.level).toBe('CAdES-LT');
    expect(lt.earlyRevocationData).toEqual([]);
    // a CRL still valid but issued before the signature time-stamp: accepted now, and said to be too early
    const early = await extendSignature(tSig, { ...options, crls: pki.crlsAt(at(-0.01)) });
    expect(early.earlyRevocationData.map((e) => e.subject)).toEqual([X509Cert.fromDer(pki.signer.cert).subject, X509Cert.fromDer(pki.ca).subject]);
    // without CRLs and offline: refused with a clear code, nothing half-done
    const err = await extendSignature(tSig, { ...options, crls: [] }).catch((e: unknown) => e);
    expect(isScelleError(err, 'VALIDATION_DATA_MISSING')).toBe(true);
    expect((err as Error).message).toMatch(/revocation status/);
  });

  it('LTA: an archive-time-stamp-v3 whose index names what it protects; the signature verifies as CAdES-LTA', async () => {
    clock.now = at(1 / 365);
    const tsa2 = await clockedTsa(pki, 'tsa2', clock);
    const r = await extendSignature(tSig, { level: 'LTA', trustAnchors: pki.anchors, crls: pki.crlsAt(at(1 / 365)), content: source, clock: () => clock.now, getToken: tsa2.source });
    lta1 = r.signature;
    expect(r.added.archiveTimestamps).toBe(1);
    // the second TSA's certificate (2035) comes after RSA-2048's deadline (2030-12-31)
    expect(r.renewBefore?.until.toISOString().slice(0, 10)).toBe('2030-12-31');
    const v = await verifyAt(lta1, 1 / 365, [1 / 365]);
    expect(v.signers[0]!.problems).toEqual([]);
    expect(v.signers[0]!.cades.level).toBe('CAdES-LTA');
    expect(v.signers[0]!.archiveTimestamps).toHaveLength(1);
    const layout = readSignedDataLayout(lta1);
    expect(layout.crls).toHaveLength(2);
  });

  it('re-archived at year 2.5, it verifies at year 15 with both certificates expired, their proofs of existence chained', async () => {
    clock.now = at(2.5);
    const tsa2 = await clockedTsa(pki, 'tsa2', clock);
    const r = await extendSignature(lta1, { level: 'LTA', trustAnchors: pki.anchors, crls: pki.crlsAt(at(2.5)), content: source, clock: () => clock.now, getToken: tsa2.source });
    lta2 = r.signature;
    expect(r.added.archiveTimestamps).toBe(1);
    expect(r.added.crls).toBe(2);
    // 15 years later: the signer's certificate (3 years) and the first TSA's (5 years) have expired
    const v = await verifyAt(lta2, 15, [15]);
    const s = v.signers[0]!;
    expect(s.problems).toEqual([]);
    expect(s.ok).toBe(true);
    expect(s.cades.level).toBe('CAdES-LTA');
    expect(X509Cert.fromDer(pki.signer.cert).notAfter.getTime()).toBeLessThan(at(15).getTime());
    expect(X509Cert.fromDer(pki.tsa1.cert).notAfter.getTime()).toBeLessThan(at(15).getTime());
    // the signer's certificate was checked in the past, at the signature time-stamp's time…
    expect(s.pastChain?.ok).toBe(true);
    expect(s.validatedAt.getTime()).toBe(at(0).getTime());
    // …and the signature time-stamp at the first archive time-stamp's time
    expect(s.timestamps[0]!.pastChain?.ok).toBe(true);
    expect(s.timestamps[0]!.poe?.origin).toBe('archive-timestamp');
    expect(s.archiveTimestamps!.every((a) => a.ok)).toBe(true);
    // the detailed report lists the archive time-stamps beside the signature time-stamp
    const { buildValidationReport } = await import('../../../src/validation/report.js');
    const report = buildValidationReport([{ file: 'cr.p7s', verdict: v }], { trustAnchors: pki.anchors, validationTime: at(15) });
    expect(report.signatures[0]!.timestamps.map((t) => [t.type, t.indication])).toEqual([
      ['signature-timestamp', 'TOTAL-PASSED'], ['archive-timestamp', 'TOTAL-PASSED'], ['archive-timestamp', 'TOTAL-PASSED'],
    ]);
  });

  it('archived only once, year 15 needs a CRL of the first TSA issued after the archive time-stamp', async () => {
    const v = await verifyAt(lta1, 15, [15]);
    expect(v.ok).toBe(false);
    // the CA's CRL of year 15 cannot speak for a certificate that expired in year 5: status unknown
    expect(v.signers[0]!.code).toBe('REVOCATION_UNAVAILABLE');
    expect(v.indication).toBe('INDETERMINATE');
    expect(v.signers[0]!.problems.map((p) => p.message).join('\n')).toMatch(/HORODATAGE 1/);
    const w = await verifyAt(lta1, 15, [15, 2]);
    expect(w.signers[0]!.problems).toEqual([]);
  });

  it('a T signature alone proves nothing at year 15', async () => {
    const v = await verifyAt(tSig, 15, [15, 2]);
    expect(v.ok).toBe(false);
    expect(v.indication).toBe('INDETERMINATE');
  });

  it('removing what an archive time-stamp protects breaks it; adding data after it does not', async () => {
    const layout = readSignedDataLayout(lta2);
    const removed = writeSignedDataLayout({ ...layout, crls: layout.crls.slice(1) });
    const v = await verifyAt(removed, 15, [15, 2.5]);
    expect(v.signers[0]!.code).toBe('ARCHIVE_TIMESTAMP_INVALID');
    expect(v.signers[0]!.problems.map((p) => p.message).join('\n')).toMatch(/no longer carries/);
    const extra = writeSignedDataLayout({ ...layout, crls: [...layout.crls, ...pki.crlDersAt(at(14))] });
    expect((await verifyAt(extra, 15, [15])).signers[0]!.problems).toEqual([]);
  });

  it('the index holds one hash per certificate, revocation element and unsigned attribute value', async () => {
    const layout = readSignedDataLayout(lta1);
    const { parseTimeStampToken } = await import('../../../src/timestamp/tsp.js');
    const { parseSignerInfo, attributeValues } = await import('../../../src/crypto/cms/signed-data.js');
    const { parseBer, rawBytes } = await import('../../../src/crypto/asn1/ber.js');
    const info = parseSignerInfo(parseBer(layout.signerInfos[0]!, 'si'));
    const ats = attributeValues(info.unsignedAttributes, '0.4.0.1733.2.4');
    const token = parseTimeStampToken(rawBytes(ats[0]!));
    const idx = attributeValues(token.signerInfos[0]!.unsignedAttributes, '0.4.0.19122.1.5');
    const index = parseAtsHashIndex(rawBytes(idx[0]!));
    expect(index.hashOid).toBe('2.16.840.1.101.3.4.2.1');
    expect(index.certificates).toHaveLength(layout.certificates.length);
    expect(index.crls).toHaveLength(2);
    // the signature time-stamp was there; the archive time-stamp itself was not yet
    expect(index.unsignedAttrValues).toHaveLength(1);
  });
});

describe('LT with --online', () => {
  it('fetches the CRL the certificates name and embeds exactly what it fetched', async () => {
    const { createDemoPki } = await import('../../../src/crypto/demo-pki.js');
    const { loadPkcs12Identity, selectCertificate } = await import('../../../src/crypto/identity.js');
    const { openSerialState } = await import('../../../src/timestamp/serial-state.js');
    const { createTimeStampAuthority } = await import('../../../src/timestamp/tsa.js');
    const { parseCrls } = await import('../../../src/crypto/x509/crl.js');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const demo = await createDemoPki({ crlUrl: 'http://crl.demo.test/personnes.crl' });
    const signer = selectCertificate(loadPkcs12Identity(demo.praticien.p12, demo.praticien.password), 'sign').entry;
    const tsaEntry = selectCertificate(loadPkcs12Identity(demo.tsa.p12, demo.tsa.password), 'tsa').entry;
    const tsa = createTimeStampAuthority({ signer: tsaEntry, chain: [X509Cert.fromDer(demo.ca)], state: await openSerialState(mkdtempSync(join(tmpdir(), 'scelle-online-'))) });
    const getToken = async (hash: 'sha256' | 'sha384' | 'sha512', imprint: Uint8Array): Promise<Uint8Array> => (await tsa.issue({ hash, imprint, certReq: true })).token;
    const sig = await signDetached([content], { signer, chain: [X509Cert.fromDer(demo.ca)] });
    const fetched: string[] = [];
    const fetcher = async (url: string) => {
      fetched.push(url);
      return url === 'http://crl.demo.test/personnes.crl' ? { status: 200, body: demo.crl } : { status: 404, body: new Uint8Array() };
    };
    const r = await extendSignature(sig, { level: 'LT', trustAnchors: [X509Cert.fromDer(demo.root)], crls: parseCrls(demo.rootCrl), online: true, fetcher, getToken, content: source });
    expect(fetched).toContain('http://crl.demo.test/personnes.crl');
    expect(r.added).toMatchObject({ signatureTimestamps: 1, crls: 2 });
    const layout = readSignedDataLayout(r.signature);
    expect(layout.crls.some((c) => Buffer.compare(Buffer.from(c), Buffer.from(demo.crl)) === 0)).toBe(true);
    // and it verifies offline now, from what it carries
    const v = await verifySignature(r.signature, { trustAnchors: [X509Cert.fromDer(demo.root)], content: source() });
    expect(v.signers[0]!.problems).toEqual([]);
  });
});
