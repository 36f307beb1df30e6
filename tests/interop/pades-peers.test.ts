/**
 * PAdES against the real peers: Poppler's pdfsig (with the demo root trusted in an NSS database
 * made by certutil) must report each signature scelle writes valid, trusted and covering the
 * document up to its revision; qpdf --check finds no damage; the original bytes are a prefix of the
 * signed file; PDFs from LibreOffice (plain and PDF/A-2b) and from qpdf (object streams,
 * linearized) sign and verify; OpenSSL checks the document time-stamp token over its byte range.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createPadesSigner, loadPkcs12Identity, parseCrls, selectCertificate, verifyPdf, X509Cert,
  type IdentityEntry, type TimestampTokenSource, type Crl,
} from '../../src/index.js';
import { createDemoPki, formatPem, type DemoPki } from '../../src/internal.js';
import { PdfDocument } from '../../src/pdf/document.js';
import { listSignatures, byteRangeChunks } from '../../src/pdf/signatures.js';
import { havePeers, runPeer, tryPeer } from '../helpers/peers.js';
import { makeTempDir } from '../helpers/tmp.js';
import { demoTsa, letterPdf, libreOfficePdf, nssDatabase, nssImportP12, qpdf } from '../helpers/pdf-fixtures.js';
import { readFileSync } from 'node:fs';

const tmp = makeTempDir('scelle-pades-peers-');
let pki: DemoPki;
let signer: IdentityEntry;
let confrere: IdentityEntry;
let chain: X509Cert[];
let tsa: TimestampTokenSource;
let crls: Crl[];
let nss: string;
let n = 0;

const peers = havePeers('pdfsig', 'certutil', 'qpdf', 'openssl');
const file = (bytes: Uint8Array): string => {
  const p = join(tmp.dir, `doc-${++n}.pdf`);
  writeFileSync(p, bytes);
  return p;
};
const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** pdfsig's report, one block per signature. */
function pdfsig(path: string): { text: string; signatures: string[] } {
  const r = tryPeer('pdfsig', ['-nssdir', nss, path]);
  const text = r.stdout + r.stderr;
  return { text, signatures: text.split(/^Signature #\d+:$/m).slice(1) };
}

function expectPeersAccept(original: Uint8Array, signed: Uint8Array, expectedSignatures: number): void {
  const path = file(signed);
  expect(Buffer.compare(Buffer.from(signed.subarray(0, original.length)), Buffer.from(original))).toBe(0);
  const check = tryPeer('qpdf', ['--check', path]);
  expect(check.status, check.stdout + check.stderr).toBe(0);
  expect(check.stdout).toContain('No syntax or stream encoding errors found');
  const report = pdfsig(path);
  const doc = PdfDocument.parse(signed);
  const sigs = listSignatures(doc).filter((s) => s.kind === 'signature');
  expect(sigs).toHaveLength(expectedSignatures);
  expect(report.signatures.length).toBeGreaterThanOrEqual(expectedSignatures);
  sigs.forEach((s, i) => {
    const block = report.signatures[i]!;
    expect(block, report.text).toContain('Signature Validation: Signature is Valid.');
    expect(block, report.text).toContain('Certificate Validation: Certificate is Trusted.');
    // Covers the document up to its revision: the whole file, or exactly up to a later update.
    const [a, b, c, d] = s.byteRange!;
    expect(block).toContain(`Signed Ranges: [${a} - ${b}], [${c} - ${c! + d!}]`);
    if (c! + d! === signed.length) expect(block).toContain('Total document signed');
    else expect(doc.revisions.some((r) => r.end === c! + d!)).toBe(true);
  });
}

beforeAll(async () => {
  pki = await createDemoPki();
  const id = loadPkcs12Identity(pki.praticien.p12, pki.praticien.password, { name: 'praticien.p12' });
  signer = selectCertificate(id, 'sign').entry;
  chain = id.certificates.filter((c) => c.basicConstraints?.ca === true && !c.isSelfIssued());
  confrere = selectCertificate(loadPkcs12Identity(pki.confrere.p12, pki.confrere.password, { name: 'confrere.p12' }), 'sign').entry;
  tsa = await demoTsa(pki);
  crls = [...parseCrls(pki.crl), ...parseCrls(pki.rootCrl)];
  const rootPem = join(tmp.dir, 'root.pem');
  writeFileSync(rootPem, formatPem('CERTIFICATE', pki.root));
  writeFileSync(join(tmp.dir, 'ca.pem'), formatPem('CERTIFICATE', pki.ca));
  if (peers) nss = nssDatabase(join(tmp.dir, 'nss'), rootPem);
}, 60_000);
afterAll(() => tmp.cleanup());

const verify = (pdf: Uint8Array): ReturnType<typeof verifyPdf> => verifyPdf(pdf, { trustAnchors: [X509Cert.fromDer(pki.root)], crls });

describe.runIf(peers)('pdfsig, qpdf and OpenSSL accept what scelle signs', () => {
  it.each([
    ['hand-written (xref table)', (): Uint8Array => letterPdf()],
    ['qpdf --object-streams=generate (xref stream)', (): Uint8Array => qpdf(letterPdf(), ['--object-streams=generate'])],
    ['qpdf --linearize', (): Uint8Array => qpdf(letterPdf(), ['--linearize'])],
  ])('%s: B-T, visible, then a second signature', async (_name, make) => {
    const original = make();
    const once = concat((await createPadesSigner({ signer, chain, level: 'B-T', timestamps: tsa, visible: { page: 1, x: 40, y: 40, width: 220, height: 80 }, reason: 'Courrier' }).signPdf(original)).parts);
    expectPeersAccept(original, once, 1);
    const twice = concat((await createPadesSigner({ signer: confrere, chain }).signPdf(once)).parts);
    expectPeersAccept(original, twice, 2);
    const v = await verify(twice);
    expect(v.ok).toBe(true);
    expect(v.signatures.map((s) => s.ok)).toEqual([true, true]);
  });

  it('B-LTA: pdfsig accepts the signature (up to its revision); OpenSSL accepts the document time-stamp over its byte range', async () => {
    const original = qpdf(letterPdf(), ['--object-streams=generate']);
    const signed = concat((await createPadesSigner({ signer, chain, level: 'B-LTA', timestamps: tsa, validation: { crls } }).signPdf(original)).parts);
    expectPeersAccept(original, signed, 1);
    const ts = listSignatures(PdfDocument.parse(signed)).find((s) => s.kind === 'document-timestamp')!;
    const data = join(tmp.dir, 'ts-data.bin');
    const token = join(tmp.dir, 'ts-token.der');
    writeFileSync(data, Buffer.concat([...byteRangeChunks(signed, ts.byteRange!)]));
    writeFileSync(token, ts.der!);
    const out = runPeer('openssl', ['ts', '-verify', '-token_in', '-in', token, '-data', data, '-CAfile', join(tmp.dir, 'root.pem'), '-untrusted', join(tmp.dir, 'ca.pem')]);
    expect(out).toContain('Verification: OK');
    expect((await verify(signed)).ok).toBe(true);
  });

  it('the other way: pdfsig signs (NSS, BER CMS), scelle verifies it; scelle countersigns and pdfsig accepts both', async () => {
    const p12 = join(tmp.dir, 'praticien.p12');
    writeFileSync(p12, pki.praticien.p12);
    nssImportP12(nss, p12, pki.praticien.password);
    const input = file(letterPdf());
    const out = join(tmp.dir, 'pdfsig-signed.pdf');
    runPeer('pdfsig', ['-nssdir', nss, '-add-signature', '-nick', 'CLAIRE DURAND (signature)', '-reason', 'Avis', input, out]);
    const theirs = new Uint8Array(readFileSync(out));
    const v = await verify(theirs);
    expect(v.ok).toBe(true);
    expect(v.signatures[0]).toMatchObject({ subFilter: 'adbe.pkcs7.detached', format: 'PDF-CMS', coversWholeFile: true, reason: 'Avis' });
    const both = concat((await createPadesSigner({ signer: confrere, chain, level: 'B-T', timestamps: tsa }).signPdf(theirs)).parts);
    const report = pdfsig(file(both));
    expect(report.signatures).toHaveLength(2);
    for (const block of report.signatures) expect(block).toContain('Signature Validation: Signature is Valid.');
    expect((await verify(both)).ok).toBe(true);
  });

  it('a byte changed inside the signed range: pdfsig and scelle both say invalid', async () => {
    const signed = concat((await createPadesSigner({ signer, chain }).signPdf(letterPdf())).parts);
    const tampered = signed.slice();
    tampered[Buffer.from(signed).indexOf('Docteur')] = 'd'.charCodeAt(0);
    const report = pdfsig(file(tampered));
    expect(report.signatures[0]).not.toContain('Signature is Valid.');
    expect(report.signatures[0]).toMatch(/Signature (is Invalid|validation: digest mismatch)|Digest Mismatch/i);
    const v = await verify(tampered);
    expect(v.signatures[0]).toMatchObject({ ok: false, subIndication: 'HASH_FAILURE' });
  });
});

describe.runIf(peers && havePeers('soffice'))('PDFs from LibreOffice', () => {
  it.each([['plain', false], ['PDF/A-2b', true]] as const)('%s: signs (B-T), pdfsig and qpdf accept, scelle verifies', async (_n, pdfa) => {
    const original = libreOfficePdf(join(tmp.dir, `lo-${pdfa ? 'a' : 'p'}`), 'lettre', 'Docteur Claire DURAND\n\nCher confrère,\nje vous adresse Mme X pour avis.\n', pdfa);
    if (pdfa) expect(Buffer.from(original).toString('latin1')).toContain('<pdfaid:part>2</pdfaid:part>');
    const signed = concat((await createPadesSigner({ signer, chain, level: 'B-T', timestamps: tsa }).signPdf(original)).parts);
    expectPeersAccept(original, signed, 1);
    const v = await verify(signed);
    expect(v.ok).toBe(true);
    expect(v.signatures[0]!.format).toBe('PAdES-B-T');
    // A visible box uses a font that is not embedded: said for a PDF/A, not for a plain PDF.
    const visible = await createPadesSigner({ signer, chain, visible: { page: 1, x: 300, y: 40, width: 240, height: 80 } }).signPdf(original);
    expect(visible.warnings.map((w) => w.code)).toEqual(pdfa ? ['PDFA_FONT_NOT_EMBEDDED'] : []);
    expectPeersAccept(original, concat(visible.parts), 1);
  }, 180_000);
});
