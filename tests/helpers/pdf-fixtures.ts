/**
 * PDFs for the PAdES tests: a one-page letter written by hand (classic cross-reference table,
 * exact offsets), its variants made by the real peers (qpdf object streams, linearized, encrypted;
 * LibreOffice from text, PDF/A-2b), an NSS database for pdfsig with the demo root trusted, and an
 * in-process TSA for signing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createTimeStampAuthority, loadPkcs12Identity, openSerialState, selectCertificate, type TimestampTokenSource,
} from '../../src/index.js';
import { type DemoPki } from '../../src/internal.js';

/** A one-page A4 PDF with `lines` of Helvetica text: header, objects, xref table, trailer. */
export function letterPdf(lines: string[] = ['Docteur Claire DURAND', 'Cher confrère, je vous adresse Mme X.']): Uint8Array {
  const esc = (s: string): string => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = `BT /F1 12 Tf 72 770 Td 16 TL ${lines.map((l) => `(${esc(l)}) '`).join(' ')} ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Producer (scelle tests) >>',
  ];
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f\r\n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n\r\n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 6 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>] >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

/** Runs qpdf on `input` with `args`, returning the output PDF. */
export function qpdf(input: Uint8Array, args: string[]): Uint8Array {
  const dir = mkdtempSync('/tmp/scelle-qpdf-');
  writeFileSync(join(dir, 'in.pdf'), input);
  try {
    execFileSync('qpdf', [...args, join(dir, 'in.pdf'), join(dir, 'out.pdf')], { stdio: 'pipe' });
  } catch (e) {
    // exit 3: warnings only
    if ((e as { status?: number }).status !== 3) throw e;
  }
  return new Uint8Array(readFileSync(join(dir, 'out.pdf')));
}

/** LibreOffice (`soffice --headless --convert-to pdf`) on a text file; `pdfa` asks for PDF/A-2b. */
export function libreOfficePdf(dir: string, name: string, text: string, pdfa = false): Uint8Array {
  mkdirSync(dir, { recursive: true });
  const src = join(dir, `${name}.txt`);
  writeFileSync(src, text);
  const filter = pdfa ? 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}' : 'pdf';
  // A profile folder of its own: parallel test files must not share LibreOffice's user profile.
  execFileSync('soffice', [`-env:UserInstallation=file://${join(dir, '.lo-profile')}`, '--headless', '--convert-to', filter, '--outdir', dir, src], { stdio: 'pipe', timeout: 120_000 });
  return new Uint8Array(readFileSync(join(dir, `${name}.pdf`)));
}

/** An NSS database (certutil) trusting the demo root, for pdfsig -nssdir. */
export function nssDatabase(dir: string, rootPem: string): string {
  mkdirSync(dir, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password'], { stdio: 'pipe' });
  execFileSync('certutil', ['-A', '-n', 'scelle-demo-root', '-t', 'CT,C,C', '-i', rootPem, '-d', `sql:${dir}`], { stdio: 'pipe' });
  return `sql:${dir}`;
}

/** The demo PKI's TSA, in process, as a token source (and its clock can be set). */
export async function demoTsa(pki: DemoPki, clock?: () => Date): Promise<TimestampTokenSource> {
  const id = loadPkcs12Identity(pki.tsa.p12, pki.tsa.password, { name: 'tsa.p12' });
  const tsa = createTimeStampAuthority({
    signer: selectCertificate(id, 'tsa').entry,
    chain: id.certificates.filter((c) => c.basicConstraints?.ca === true),
    state: await openSerialState(mkdtempSync('/tmp/scelle-tsa-')),
    ...(clock !== undefined ? { clock } : {}),
  });
  return async (hash, imprint) => (await tsa.issue({ hash, imprint, certReq: true })).token;
}

/** Imports a PKCS#12 identity into an NSS database (pk12util), so that pdfsig can sign with it. */
export function nssImportP12(db: string, p12Path: string, password: string): void {
  execFileSync('pk12util', ['-i', p12Path, '-d', db, '-W', password, '-K', ''], { stdio: 'pipe' });
}
