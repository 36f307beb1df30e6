/**
 * PAdES signing and validation in the library: B-B to B-LTA, the hole sized from the signature,
 * two signatures, a changed byte, content appended after a signature, refusals — and a B-LTA PDF
 * that still verifies 15 years later, when every certificate but the last time-stamp's has expired.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createPadesSigner, extendPdf, loadPkcs12Identity, parseCrls, selectCertificate, verifyPdf, X509Cert,
  type IdentityEntry, type PadesSignOptions, type TimestampTokenSource, type Crl,
} from '../../../src/index.js';
import { createDemoPki, type DemoPki } from '../../../src/internal.js';
import { PdfDocument } from '../../../src/pdf/document.js';
import { PdfDict, PdfName, PdfString, PdfStream } from '../../../src/pdf/objects.js';
import { listSignatures } from '../../../src/pdf/signatures.js';
import { IncrementalUpdate } from '../../../src/pdf/writer.js';
import { parseSignedData, signingTimeOf } from '../../../src/crypto/cms/signed-data.js';
import { CMS_OID } from '../../../src/crypto/cms/oids.js';
import { codeOf } from '../../helpers/errors.js';
import { demoTsa, letterPdf } from '../../helpers/pdf-fixtures.js';
import { createLtvPki, DAY, YEAR } from '../../helpers/ltv-pki.js';

let pki: DemoPki;
let praticien: IdentityEntry;
let confrere: IdentityEntry;
let chain: X509Cert[];
let tsa: TimestampTokenSource;
let crls: Crl[];
let root: X509Cert;

const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const sign = async (pdf: Uint8Array, o: Partial<PadesSignOptions> = {}): Promise<Uint8Array> => concat((await createPadesSigner({ signer: praticien, chain, ...o }).signPdf(pdf)).parts);
const verify = (pdf: Uint8Array, o: Record<string, unknown> = {}): ReturnType<typeof verifyPdf> => verifyPdf(pdf, { trustAnchors: [root], crls, ...o });

beforeAll(async () => {
  pki = await createDemoPki();
  const id = loadPkcs12Identity(pki.praticien.p12, pki.praticien.password, { name: 'praticien.p12' });
  praticien = selectCertificate(id, 'sign').entry;
  chain = id.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued());
  confrere = selectCertificate(loadPkcs12Identity(pki.confrere.p12, pki.confrere.password, { name: 'confrere.p12' }), 'sign').entry;
  tsa = await demoTsa(pki);
  crls = [...parseCrls(pki.crl), ...parseCrls(pki.rootCrl)];
  root = X509Cert.fromDer(pki.root);
}, 60_000);

describe('PAdES B-B', () => {
  it('is an incremental update with a CAdES signature as ETSI EN 319 142-1 wants it', async () => {
    const original = letterPdf();
    const signed = await sign(original, { reason: 'Avis', location: 'Lyon' });
    expect(Buffer.compare(Buffer.from(signed.subarray(0, original.length)), Buffer.from(original))).toBe(0);
    const doc = PdfDocument.parse(signed);
    expect(doc.revisions).toHaveLength(2);
    const [sig] = listSignatures(doc);
    expect(sig).toMatchObject({ kind: 'signature', subFilter: 'ETSI.CAdES.detached', filter: 'Adobe.PPKLite', reason: 'Avis', location: 'Lyon', revision: 1 });
    expect(sig!.byteRange).toEqual([0, sig!.contents!.start, sig!.contents!.end, signed.length - sig!.contents!.end!]);
    expect(sig!.claimedTime).toBeInstanceOf(Date);
    const sd = parseSignedData(sig!.der!);
    expect(sd.eContent).toBeUndefined();
    const si = sd.signerInfos[0]!;
    expect(signingTimeOf(si)).toBeUndefined();
    expect(si.signedAttributes.map((a) => a.oid)).toContain(CMS_OID.signingCertificateV2);
    // The hole is sized from the signature: little zero padding is left.
    expect(sig!.contents!.bytes.length - sig!.der!.length).toBeLessThanOrEqual(512);
    const v = await verify(signed);
    expect(v).toMatchObject({ ok: true, indication: 'TOTAL-PASSED' });
    expect(v.signatures[0]).toMatchObject({ format: 'PAdES-B-B', coversWholeFile: true, modifiedAfter: false });
  });

  it('a byte changed inside the signed range makes the signature invalid', async () => {
    const signed = await sign(letterPdf());
    const at = Buffer.from(signed).indexOf('confr');
    const tampered = signed.slice();
    tampered[at] = 'K'.charCodeAt(0);
    const v = await verify(tampered);
    expect(v.ok).toBe(false);
    expect(v.signatures[0]).toMatchObject({ ok: false, indication: 'TOTAL-FAILED', subIndication: 'HASH_FAILURE' });
  });

  it('a second signature keeps the first valid; the first reports the second as a later signature, not a modification', async () => {
    const once = await sign(letterPdf());
    const twice = concat((await createPadesSigner({ signer: confrere, chain }).signPdf(once)).parts);
    const v = await verify(twice);
    expect(v.ok).toBe(true);
    expect(v.signatures.map((s) => [s.fieldName, s.ok, s.coversWholeFile])).toEqual([['Signature1', true, false], ['Signature2', true, true]]);
    expect(v.signatures[0]!.laterChanges.map((c) => c.kinds)).toEqual([['signature']]);
    expect(v.signatures[0]!.modifiedAfter).toBe(false);
  });

  it('content appended after a signature is reported as a modification (PDF_MODIFIED)', async () => {
    const signed = await sign(letterPdf());
    const doc = PdfDocument.parse(signed);
    const up = new IncrementalUpdate(doc);
    const page = doc.pages()[0]!;
    const newContent = up.allocate();
    up.set(newContent, new PdfStream(new PdfDict(), new Uint8Array(Buffer.from('BT /F1 12 Tf 72 700 Td (Montant : 10 000 EUR) Tj ET'))));
    up.set(page.ref, page.dict.clone().set('Contents', [page.dict.get('Contents')!, newContent]));
    const modified = concat([signed, up.write().bytes]);
    const v = await verify(modified);
    expect(v).toMatchObject({ ok: false, code: 'PDF_MODIFIED', indication: 'INDETERMINATE' });
    expect(v.signatures[0]).toMatchObject({ ok: true, modifiedAfter: true, coversWholeFile: false });
    expect(v.revisions[1]!.kinds).toContain('content');
    expect(v.revisions[1]!.content.join(' ')).toContain('page 1');
  });

  it('an annotation added after signing is a modification too; a new /Info is metadata only', async () => {
    const signed = await sign(letterPdf());
    const doc = PdfDocument.parse(signed);
    const up = new IncrementalUpdate(doc);
    up.set(doc.trailer.get('Info') as never, new PdfDict([['Producer', new PdfString(new Uint8Array(Buffer.from('other')))]]));
    const meta = concat([signed, up.write().bytes]);
    const vm = await verify(meta);
    expect(vm.ok).toBe(true);
    expect(vm.revisions.at(-1)!.kinds).toEqual(['metadata']);
  });

  it('refuses a certified PDF that allows no change (DocMDP P=1), and a box off the page', async () => {
    const pdf = letterPdf();
    const doc = PdfDocument.parse(pdf);
    const up = new IncrementalUpdate(doc);
    const sigRef = up.allocate();
    const ref = new PdfDict([['TransformMethod', new PdfName('DocMDP')], ['TransformParams', new PdfDict([['P', 1]])]]);
    up.set(sigRef, new PdfDict([['Type', new PdfName('Sig')], ['Reference', [ref]]]));
    up.set(doc.rootRef, doc.catalog.clone().set('Perms', new PdfDict([['DocMDP', sigRef]])));
    const certified = concat([pdf, up.write().bytes]);
    await expect(sign(certified)).rejects.toMatchObject({ code: 'PDF_LOCKED' });
    await expect(sign(pdf, { visible: { page: 2, x: 0, y: 0, width: 10, height: 10 } })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(sign(pdf, { visible: { page: 1, x: 500, y: 800, width: 200, height: 70 } })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('a visible signature puts the French appearance on the page', async () => {
    const signed = await sign(letterPdf(), { visible: { page: 1, x: 350, y: 60, width: 200, height: 70 } });
    const doc = PdfDocument.parse(signed);
    const field = doc.fields()[0]!;
    expect(field.dict.get('Rect')).toEqual([350, 60, 550, 130]);
    const ap = doc.resolve((doc.resolve(field.dict.get('AP')) as PdfDict).get('N')) as PdfStream;
    const text = Buffer.from(ap.data).toString('latin1');
    expect(text).toContain('(Sign\\351 \\351lectroniquement par)');
    expect(text).toContain('RPPS 10101234567');
    expect(text).toContain('\\(heure de Paris\\)');
    expect((await verify(signed)).ok).toBe(true);
  });
});

describe('PAdES B-T, B-LT, B-LTA', () => {
  it('B-T carries a signature time-stamp; B-LT a DSS; B-LTA a document time-stamp — none is a modification', async () => {
    for (const level of ['B-T', 'B-LT', 'B-LTA'] as const) {
      const r = await createPadesSigner({ signer: praticien, chain, level, timestamps: tsa, validation: { crls } }).signPdf(letterPdf());
      const v = await verify(concat(r.parts));
      expect(v.ok, level).toBe(true);
      expect(v.signatures[0]!.format).toBe(`PAdES-${level}`);
      expect(r.updates).toEqual(level === 'B-T' ? ['signature'] : level === 'B-LT' ? ['signature', 'dss'] : ['signature', 'dss', 'document-timestamp']);
      if (level === 'B-LTA') {
        expect(v.signatures[1]).toMatchObject({ kind: 'document-timestamp', ok: true, coversWholeFile: true });
        expect(v.dss!.certificates).toBeGreaterThanOrEqual(3);
        expect(v.dss!.crls).toBe(2);
        expect(v.signatures[0]!.laterChanges.flatMap((c) => c.kinds)).toEqual(['validation-data', 'document-timestamp']);
      }
    }
  });

  it('refuses to write B-LT when the revocation status cannot be established, and writes nothing', async () => {
    const signer = createPadesSigner({ signer: praticien, chain, level: 'B-LT', timestamps: tsa, validation: { crls: [] } });
    await expect(signer.signPdf(letterPdf())).rejects.toMatchObject({ code: 'VALIDATION_DATA_MISSING' });
  });

  it('B-T without a TSA is a usage error', () => {
    expect(codeOf(() => createPadesSigner({ signer: praticien, level: 'B-T' }))).toBe('USAGE');
  });

  it('a B-LTA PDF, renewed once, verifies 15 years later; without its document time-stamp it does not', async () => {
    const t0 = new Date();
    const ltv = await createLtvPki(t0);
    const anchors = { trustAnchors: [ltv.rootCert] };
    const sigTsa = await ltv.tsa('tsa1', () => t0);
    const signed = await createPadesSigner({ signer: ltv.signerEntry, chain: ltv.chain, level: 'B-T', timestamps: sigTsa, clock: () => t0 }).signPdf(letterPdf());
    // Two hours later, with CRLs the CA issued after the signature: B-LT, then B-LTA.
    const t1 = new Date(t0.getTime() + 2 * 3600_000);
    const crlsT1 = ltv.crlsAt(new Date(t0.getTime() + 3600_000));
    const lt = await extendPdf(concat(signed.parts), { level: 'B-LT', validation: { crls: crlsT1, ...anchors }, clock: () => t1 });
    expect(lt.warnings).toEqual([]);
    const lta = await extendPdf(concat(lt.parts), { level: 'B-LTA', timestamps: await ltv.tsa('tsa2', () => t1), validation: { crls: crlsT1, ...anchors }, clock: () => t1 });
    expect((await verifyPdf(concat(lta.parts), { ...anchors, crls: crlsT1, at: t1, clock: () => t1 })).ok).toBe(true);
    // Two years later, before any certificate expires, the archive renews it (LTA again): CRLs
    // issued after the first document time-stamp, and a new document time-stamp.
    const t2 = new Date(t0.getTime() + 2 * YEAR);
    const crlsT2 = ltv.crlsAt(new Date(t2.getTime() - DAY));
    const renewed = concat((await extendPdf(concat(lta.parts), { level: 'B-LTA', timestamps: await ltv.tsa('tsa2', () => t2), validation: { crls: crlsT2, ...anchors }, clock: () => t2 })).parts);
    // 15 years later: the signer's certificate (3 years) and the first TSA's (5 years) have expired;
    // only fresh CRLs for the document time-stamps' authority are given (a verifier then fetches them).
    const later = new Date(t0.getTime() + 15 * YEAR);
    const fresh = ltv.crlsAt(new Date(later.getTime() - DAY));
    const v = await verifyPdf(renewed, { ...anchors, crls: fresh, at: later, clock: () => later });
    expect(v.ok).toBe(true);
    expect(v.signatures.map((s) => [s.fieldName, s.ok])).toEqual([['Signature1', true], ['DocTimeStamp1', true], ['DocTimeStamp2', true]]);
    const s = v.signatures[0]!;
    expect(s.format).toBe('PAdES-B-LTA');
    expect(s.modifiedAfter).toBe(false);
    const signer = s.signature!.signers[0]!;
    expect(signer.chain!.code).toBe('CERT_EXPIRED'); // expired now…
    expect(signer.pastChain!.ok).toBe(true); // …valid at the time its time-stamp proves
    expect(signer.poe?.time.getTime()).toBe(signer.timestamps[0]!.genTime!.getTime());
    expect(signer.timestamps[0]!.ok).toBe(true);
    expect(signer.timestamps[0]!.poe?.origin).toBe('document-timestamp');
    // The same validation data without the first document time-stamp: nothing proves the signature
    // time-stamp existed before its authority's certificate expired.
    const ltThenRenewed = concat((await extendPdf(concat(lt.parts), { level: 'B-LTA', timestamps: await ltv.tsa('tsa2', () => t2), validation: { crls: crlsT2, ...anchors }, clock: () => t2 })).parts);
    const without = await verifyPdf(ltThenRenewed, { ...anchors, crls: fresh, at: later, clock: () => later });
    expect(without.ok).toBe(false);
    expect(without.signatures[0]!.indication).toBe('INDETERMINATE');
  }, 60_000);

  it('warns when the revocation data predates the signature time-stamp (a verifier after expiry needs newer data)', async () => {
    const r = await createPadesSigner({ signer: praticien, chain, level: 'B-LT', timestamps: tsa, validation: { crls } }).signPdf(letterPdf());
    expect(r.warnings.map((w) => w.code)).toEqual(['REVOCATION_DATA_BEFORE_TIMESTAMP']);
  });
});
