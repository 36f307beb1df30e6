/**
 * The visible appearance of a signature (ISO 32000-1 §12.7.4.5 signature fields, §12.5.5
 * appearance streams, §8.10 form XObjects): a framed box on a page with, in French, who signed —
 * name, RPPS, profession — and when (Europe/Paris time), drawn in Helvetica (one of the standard
 * 14 fonts, §9.6.2.2, not embedded) with WinAnsiEncoding, which covers French accents.
 *
 * The text is laid out with Helvetica's metrics (Adobe's AFM widths, below) so that each line fits
 * the box; the font size shrinks (down to 4 pt) for a small box.
 */
import type { X509Cert } from '../crypto/x509/certificate.js';
import { summarizeCertificate } from '../crypto/cert-summary.js';
import { PdfDict, PdfName, PdfStream, type PdfObject } from './objects.js';
import { formatNumber } from './writer.js';

/** Helvetica glyph widths (1/1000 em) for WinAnsi codes 32–126 (AFM of the standard 14 fonts). */
const ASCII_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space..'/'
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];

/** Widths of Latin-1 letters (WinAnsi 0xC0–0xFF) by character. */
const LATIN1_WIDTHS: Readonly<Record<string, number>> = {
  ...Object.fromEntries([...'ÀÁÂÃÄÅÈÉÊËÝÞ'].map((c) => [c, 667])),
  ...Object.fromEntries([...'ÇÐÑÙÚÛÜ'].map((c) => [c, 722])),
  ...Object.fromEntries([...'ÒÓÔÕÖØ'].map((c) => [c, 778])),
  ...Object.fromEntries([...'ÌÍÎÏìíîï'].map((c) => [c, 278])),
  ...Object.fromEntries([...'àáâãäåèéêëðñòóôõöùúûüþ'].map((c) => [c, 556])),
  ...Object.fromEntries([...'çýÿ'].map((c) => [c, 500])),
  'Æ': 1000, 'æ': 889, 'ß': 611, 'ø': 611, '×': 584, '÷': 584, '°': 400, '«': 556, '»': 556, '\u00a0': 278, '·': 278,
};

/** Width of `text` in Helvetica at 1 pt. */
export function helveticaWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    w += c >= 32 && c <= 126 ? ASCII_WIDTHS[c - 32]! : LATIN1_WIDTHS[ch] ?? 556;
  }
  return w / 1000;
}

/** The text in WinAnsi bytes (Latin-1 for French letters; other characters become `?`). */
function winAnsi(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c === 0x2019 ? 0x92 : (c >= 32 && c <= 126) || (c >= 0xa0 && c <= 0xff) ? c : 0x3f;
  }
  return out;
}

function pdfText(bytes: Uint8Array): string {
  let s = '(';
  for (const c of bytes) {
    if (c === 0x28 || c === 0x29 || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c > 0x7e) s += `\\${c.toString(8).padStart(3, '0')}`;
    else s += String.fromCharCode(c);
  }
  return `${s})`;
}

/** "23/11/2026 à 14:30" in Europe/Paris time. */
export function parisTime(d: Date): string {
  const parts = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('day')}/${get('month')}/${get('year')} à ${get('hour')}:${get('minute')}`;
}

/** The lines of the appearance, in French. */
export function appearanceLines(cert: X509Cert, time: Date, reason?: string): string[] {
  const who = summarizeCertificate(cert, time).holder;
  const lines = ['Signé électroniquement par', who.displayName];
  if (who.rpps !== undefined) lines.push(`RPPS ${who.rpps}`);
  else if (who.adeli !== undefined) lines.push(`ADELI ${who.adeli}`);
  if (who.profession !== undefined) lines.push(who.profession);
  lines.push(`le ${parisTime(time)} (heure de Paris)`);
  if (reason !== undefined && reason !== '') lines.push(`Motif : ${reason}`);
  return lines;
}

/**
 * A form XObject of `width` × `height` showing `lines` (the first in a smaller grey type, the
 * name in bold), framed.
 */
export function appearanceStream(width: number, height: number, lines: readonly string[]): PdfStream {
  const pad = Math.min(4, width / 20, height / 20);
  const usable = width - 2 * pad;
  // The name is in Helvetica-Bold, a little wider than Helvetica.
  const widest = Math.max(...lines.map((l, i) => helveticaWidth(l) * (i === 1 ? 1.1 : 1)), 0.001);
  let size = Math.min(10, usable / widest, (height - 2 * pad) / (lines.length * 1.25));
  size = Math.max(size, 4);
  const leading = size * 1.25;
  const n = formatNumber;
  let ops = `q 0.98 0.98 1 rg 0 0 ${n(width)} ${n(height)} re f 0.2 0.3 0.6 RG 0.8 w ${n(0.4)} ${n(0.4)} ${n(width - 0.8)} ${n(height - 0.8)} re S Q\n`;
  ops += 'BT 0 0 0 rg\n';
  let y = height - pad - size;
  lines.forEach((line, i) => {
    const font = i === 1 ? '/HeBo' : '/He';
    ops += `${font} ${n(size)} Tf 1 0 0 1 ${n(pad)} ${n(y)} Tm ${pdfText(winAnsi(line))} Tj\n`;
    y -= leading;
  });
  ops += 'ET\n';
  const font = (base: string): PdfDict => new PdfDict([['Type', new PdfName('Font')], ['Subtype', new PdfName('Type1')], ['BaseFont', new PdfName(base)], ['Encoding', new PdfName('WinAnsiEncoding')]]);
  const resources = new PdfDict([['Font', new PdfDict([['He', font('Helvetica')], ['HeBo', font('Helvetica-Bold')]])], ['ProcSet', [new PdfName('PDF'), new PdfName('Text')] as PdfObject[]]]);
  const dict = new PdfDict([['Type', new PdfName('XObject')], ['Subtype', new PdfName('Form')], ['BBox', [0, 0, width, height]], ['Resources', resources]]);
  return new PdfStream(dict, new Uint8Array(Buffer.from(ops, 'latin1')));
}

/** The empty appearance of an invisible signature (PDF/A requires an /AP on every widget). */
export function emptyAppearance(): PdfStream {
  const dict = new PdfDict([['Type', new PdfName('XObject')], ['Subtype', new PdfName('Form')], ['BBox', [0, 0, 0, 0]]]);
  return new PdfStream(dict, new Uint8Array(0));
}
