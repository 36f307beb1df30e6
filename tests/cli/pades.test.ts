/** `scelle sign --pades`, `scelle verify` of PDFs and `scelle pdf extend`, as run from a shell (English and French). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPadesSigner, extendPdf } from '../../src/index.js';
import { formatPem } from '../../src/internal.js';
import { PdfDocument } from '../../src/pdf/document.js';
import { PdfDict, PdfStream } from '../../src/pdf/objects.js';
import { IncrementalUpdate } from '../../src/pdf/writer.js';
import { scelle } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { makeDemoPki } from '../helpers/demo-pki.js';
import { serveTsa, type ServedTsa } from '../helpers/tsa-serve.js';
import { havePeers } from '../helpers/peers.js';
import { letterPdf, qpdf } from '../helpers/pdf-fixtures.js';
import { createLtvPki, DAY, YEAR } from '../helpers/ltv-pki.js';

const tmp = makeTempDir('scelle-pades-cli-');
const pki = join(tmp.dir, 'pki');
const f = (n: string): string => join(tmp.dir, n);
let url = '';
let tsa: ServedTsa | undefined;
const id = (): string[] => ['--identity', join(pki, 'praticien.p12'), '--pass-file', f('praticien.pass')];
const trust = (): string[] => ['--trust', join(pki, 'trust.pem'), '--crl', join(pki, 'crl.pem')];

beforeAll(async () => {
  makeDemoPki(pki, tmp.dir);
  for (const n of ['a', 'b', 'c', 'lettre']) writeFileSync(f(`${n}.pdf`), letterPdf([`Lettre ${n}`]));
  tsa = await serveTsa(['--identity', join(pki, 'tsa.p12'), '--pass-file', f('tsa.pass'), '--state', f('state')]);
  url = tsa.url;
}, 60_000);
afterAll(() => {
  tsa?.stop();
  tmp.cleanup();
});

describe('scelle sign --pades / verify', () => {
  it('signs into FILE.signed.pdf and verifies it (English and French)', () => {
    const r = scelle(['sign', f('lettre.pdf'), '--pades', ...id(), '--reason', 'Avis', '--visible', '1,350,60,200,70']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('signed (PAdES-B-B)');
    expect(existsSync(f('lettre.signed.pdf'))).toBe(true);
    const v = scelle(['verify', f('lettre.signed.pdf'), ...trust()]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain('VALID PDF');
    expect(v.stdout).toContain('covers the whole file');
    expect(v.stdout).toContain('CLAIRE DURAND (RPPS 10101234567)');
    const fr = scelle(['verify', f('lettre.signed.pdf'), ...trust()], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(fr.stdout).toContain('PDF VALIDE');
    expect(fr.stdout).toContain('couvre tout le fichier');
    expect(fr.stdout).toContain('Motif : Avis');
    const rep = scelle(['verify', f('lettre.signed.pdf'), ...trust(), '--report', f('report.json')]);
    expect(rep.status).toBe(0);
    const report = JSON.parse(readFileSync(f('report.json'), 'utf8'));
    expect(report.signatures[0]).toMatchObject({ file: `${f('lettre.signed.pdf')}#Signature1`, indication: 'TOTAL-PASSED' });
  });

  it('signs many PDFs with one password entry, at B-LTA, and says when revocation data predates the time-stamp', () => {
    const r = scelle(['sign', f('a.pdf'), f('b.pdf'), f('c.pdf'), '--pades', '--level', 'LTA', '--tsa', url, '--crl', join(pki, 'crl.pem'), ...id(), '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const j = r.json();
    expect(j).toMatchObject({ ok: true, signed: 3, failed: 0 });
    expect(j.results[0]).toMatchObject({ level: 'PAdES-B-LTA', updates: ['signature', 'dss', 'document-timestamp'] });
    expect(j.results[0].warnings[0].code).toBe('REVOCATION_DATA_BEFORE_TIMESTAMP');
    const v = scelle(['verify', f('a.signed.pdf'), f('b.signed.pdf'), ...trust(), '--json']);
    expect(v.status, v.stdout).toBe(0);
    const s = v.json().results[0].signatures;
    expect(s.map((x: { format: string; ok: boolean }) => [x.format, x.ok])).toEqual([['PAdES-B-LTA', true], ['document-timestamp', true]]);
    expect(s[0].laterChanges.map((c: { kinds: string[] }) => c.kinds)).toEqual([['validation-data'], ['document-timestamp']]);
  });

  it('pdf extend turns a B-T PDF into B-LTA', () => {
    expect(scelle(['sign', f('lettre.pdf'), '--pades', '--tsa', url, '--out', f('t.pdf'), ...id()]).status).toBe(0);
    const noRoot = scelle(['pdf', 'extend', f('t.pdf'), '--level', 'LTA', '--tsa', url, '--crl', join(pki, 'crl.pem'), '--out', f('t-lta.pdf')]);
    expect(noRoot.status).toBe(1);
    expect(noRoot.stderr).toContain('--trust');
    expect(existsSync(f('t-lta.pdf'))).toBe(false);
    const e = scelle(['pdf', 'extend', f('t.pdf'), '--level', 'LTA', '--tsa', url, '--crl', join(pki, 'crl.pem'), '--trust', join(pki, 'trust.pem'), '--out', f('t-lta.pdf')]);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout).toContain('extended to PAdES-B-LTA');
    const v = scelle(['verify', f('t-lta.pdf'), ...trust(), '--json']);
    expect(v.json().results[0].signatures[0].format).toBe('PAdES-B-LTA');
    // `scelle extend` takes a PDF too, and extends it inside the PDF
    const viaExtend = scelle(['extend', f('t.pdf'), '--level', 'LTA', '--tsa', url, '--crl', join(pki, 'crl.pem'), '--trust', join(pki, 'trust.pem'), '--out', f('t-lta2.pdf'), '--json']);
    expect(viaExtend.status, viaExtend.stdout).toBe(0);
    expect(viaExtend.json().results[0]).toMatchObject({ ok: true, level: 'PAdES-B-LTA' });
    expect(scelle(['verify', f('t-lta2.pdf'), ...trust(), '--json']).json().results[0].signatures[0].format).toBe('PAdES-B-LTA');
    // pdf extend --json over two PDFs: one extended in place, one refused (not signed), exit 1
    writeFileSync(f('t-json.pdf'), readFileSync(f('t.pdf')));
    const two = scelle(['pdf', 'extend', f('t-json.pdf'), f('lettre.pdf'), '--level', 'LT', '--crl', join(pki, 'crl.pem'), '--trust', join(pki, 'trust.pem'), '--json']);
    expect(two.status, two.stdout).toBe(1);
    expect(two.json()).toMatchObject({ ok: false, results: [
      { file: f('t-json.pdf'), ok: true, output: f('t-json.pdf'), level: 'PAdES-B-LT', updates: ['dss'], warnings: [expect.objectContaining({ code: 'REVOCATION_DATA_BEFORE_TIMESTAMP', after: expect.any(String) })] },
      { file: f('lettre.pdf'), ok: false, error: { code: expect.any(String), message: expect.any(String) } },
    ] });
    // a PDF and a CMS signature in one verify: said plainly, exit 2
    writeFileSync(f('autre.p7s'), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]));
    const mixed = scelle(['verify', f('t-lta2.pdf'), f('autre.p7s'), ...trust(), '--json']);
    expect(mixed.status).toBe(2);
    expect(mixed.json().error.message).toMatch(/separate runs/);
    const t = scelle(['extend', f('t.pdf'), '--level', 'T', '--tsa', url, '--json']);
    expect(t.status).toBe(2);
    expect(t.json().results[0].error.code).toBe('USAGE');
  });

  it('refuses B-LT without revocation data, writing nothing (VALIDATION_DATA_MISSING, in French too)', () => {
    const r = scelle(['sign', f('lettre.pdf'), '--pades', '--level', 'LT', '--tsa', url, '--out', f('lt.pdf'), ...id()], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('[VALIDATION_DATA_MISSING]');
    expect(r.stdout).toContain('impossible d’ajouter les données de validation à long terme');
    expect(existsSync(f('lt.pdf'))).toBe(false);
  });

  it.runIf(havePeers('qpdf'))('refuses an encrypted PDF with a clear code and what to do', () => {
    writeFileSync(f('secret.pdf'), qpdf(letterPdf(), ['--encrypt', 'u', 'o', '256', '--']));
    const r = scelle(['sign', f('secret.pdf'), '--pades', ...id(), '--json']);
    expect(r.status).toBe(1);
    expect(r.json().results[0].error.code).toBe('PDF_ENCRYPTED');
    const v = scelle(['verify', f('secret.pdf'), ...trust()], { env: { LANG: 'fr_FR.UTF-8' } });
    expect(v.status).toBe(1);
    expect(v.stdout).toContain('[PDF_ENCRYPTED]');
    expect(v.stdout).toContain('le PDF est chiffré');
  });

  it('an unsigned PDF, a changed PDF and a bad --visible', () => {
    const none = scelle(['verify', f('c.pdf'), ...trust()]);
    expect(none.status).toBe(3);
    expect(none.stdout).toContain('[PDF_NOT_SIGNED]');
    const signed = new Uint8Array(readFileSync(f('lettre.signed.pdf')));
    const doc = PdfDocument.parse(signed);
    const up = new IncrementalUpdate(doc);
    const page = doc.pages()[0]!;
    const extra = up.allocate();
    up.set(extra, new PdfStream(new PdfDict(), new Uint8Array(Buffer.from('BT /F1 12 Tf 72 600 Td (ajout) Tj ET'))));
    up.set(page.ref, page.dict.clone().set('Contents', [page.dict.get('Contents')!, extra]));
    writeFileSync(f('changed.pdf'), Buffer.concat([signed, up.write().bytes]));
    const v = scelle(['verify', f('changed.pdf'), ...trust()]);
    expect(v.status).toBe(3);
    expect(v.stdout).toContain('MODIFIED after signing');
    expect(v.stdout).toContain('[PDF_MODIFIED]');
    expect(v.stdout).toContain('CONTENT CHANGED after this signature: page 1');
    const bad = scelle(['sign', f('lettre.pdf'), '--pades', '--visible', '1,2,3', ...id()]);
    expect(bad.status).toBe(2);
  });
});

describe('B-LTA 15 years on, from the command line', () => {
  it('verify --at 15 years after signing: valid (LTA renewed once); the engine proved it with the document time-stamps', async () => {
    // Signed 15 years ago (dates chosen with cert-builder), verified "now" with --at.
    const t0 = new Date(Date.now() - 15 * YEAR - 2 * DAY);
    const ltv = await createLtvPki(t0);
    const anchors = { trustAnchors: [ltv.rootCert] };
    const signed = await createPadesSigner({ signer: ltv.signerEntry, chain: ltv.chain, level: 'B-T', timestamps: await ltv.tsa('tsa1', () => t0), clock: () => t0 }).signPdf(letterPdf());
    const t1 = new Date(t0.getTime() + 2 * 3600_000);
    const crlsT1 = ltv.crlsAt(new Date(t0.getTime() + 3600_000));
    const lta = await extendPdf(Buffer.concat(signed.parts), { level: 'B-LTA', timestamps: await ltv.tsa('tsa2', () => t1), validation: { crls: crlsT1, ...anchors }, clock: () => t1 });
    const t2 = new Date(t0.getTime() + 2 * YEAR);
    const renewed = await extendPdf(Buffer.concat(lta.parts), { level: 'B-LTA', timestamps: await ltv.tsa('tsa2', () => t2), validation: { crls: ltv.crlsAt(new Date(t2.getTime() - DAY)), ...anchors }, clock: () => t2 });
    writeFileSync(f('ancien.pdf'), Buffer.concat(renewed.parts));
    writeFileSync(f('ltv-root.pem'), formatPem('CERTIFICATE', ltv.root.cert));
    const at = new Date(t0.getTime() + 15 * YEAR);
    writeFileSync(f('ltv-fresh.pem'), ltv.crlsAt(new Date(at.getTime() - DAY)).map((c) => formatPem('X509 CRL', c.der)).join(''));
    const v = scelle(['verify', f('ancien.pdf'), '--trust', f('ltv-root.pem'), '--crl', f('ltv-fresh.pem'), '--at', at.toISOString(), '--json']);
    expect(v.status, v.stdout).toBe(0);
    const s = v.json().results[0].signatures[0];
    expect(s).toMatchObject({ format: 'PAdES-B-LTA', ok: true });
    expect(s.signers[0].chain.code).toBe('CERT_EXPIRED');
    expect(s.signers[0].pastChain.ok).toBe(true);
  }, 60_000);
});
