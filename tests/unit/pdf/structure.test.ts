/** Reading PDFs: objects, cross-reference tables and streams, revisions, incremental updates — and hostile input. */
import { describe, expect, it } from 'vitest';
import { PdfLexer } from '../../../src/pdf/parser.js';
import { PdfDict, PdfName, PdfReal, PdfRef, PdfStream, PdfString } from '../../../src/pdf/objects.js';
import { PdfDocument } from '../../../src/pdf/document.js';
import { IncrementalUpdate, serialize } from '../../../src/pdf/writer.js';
import { decodeStream } from '../../../src/pdf/filters.js';
import { listSignatures, parsePdfDate, formatPdfDate } from '../../../src/pdf/signatures.js';
import { havePeers } from '../../helpers/peers.js';
import { letterPdf, qpdf } from '../../helpers/pdf-fixtures.js';
import { codeOf } from '../../helpers/errors.js';
import { deflateSync } from 'node:zlib';

const parse = (s: string): unknown => new PdfLexer(new Uint8Array(Buffer.from(s, 'latin1'))).parseObject();

describe('PDF objects (ISO 32000-1 §7.3)', () => {
  it('reads every kind of object', () => {
    const d = parse('<< /Type /Page /N 12 /R -.5 /Ref 4 0 R /Arr [1 2.0 (a) <414243> true null] /Name#20X 1 /V null >>') as PdfDict;
    expect(d.name('Type')).toBe('Page');
    expect(d.get('N')).toBe(12);
    expect((d.get('R') as PdfReal).value).toBe(-0.5);
    expect(d.get('Ref')).toBeInstanceOf(PdfRef);
    expect((d.get('Ref') as PdfRef).num).toBe(4);
    const arr = d.get('Arr') as unknown[];
    expect(arr).toHaveLength(6);
    expect((arr[2] as PdfString).text()).toBe('a');
    expect((arr[3] as PdfString).text()).toBe('ABC');
    expect(arr[4]).toBe(true);
    expect(d.has('Name X')).toBe(true);
    expect(d.has('V')).toBe(false); // a null value is no entry (§7.3.7)
  });

  it('decodes literal string escapes, balanced parentheses and UTF-16BE text', () => {
    expect((parse('(a\\(b\\)c (nested) \\101\\n\\\\)') as PdfString).text()).toBe('a(b)c (nested) A\n\\');
    expect((parse('<FEFF00E9>') as PdfString).text()).toBe('é');
  });

  it('round-trips through the writer', () => {
    const d = new PdfDict([['Type', new PdfName('Sig')], ['S', new PdfString(new Uint8Array(Buffer.from('(x) \\', 'latin1')))], ['A', [1, new PdfReal(2.5, '2.50'), new PdfRef(3, 0)]]]);
    const back = new PdfLexer(serialize(d)).parseObject() as PdfDict;
    expect(back.name('Type')).toBe('Sig');
    expect((back.get('S') as PdfString).text()).toBe('(x) \\');
    expect((back.get('A') as unknown[])[1]).toBeInstanceOf(PdfReal);
  });

  it.each([
    ['[[[[', 'unterminated'],
    ['<< /A (unterminated', 'unterminated string'],
    ['<< /A 1 /B', 'unexpected end'],
    ['<< 12 /B >>', 'not a name'],
    ['<GG>', 'hexadecimal'],
  ])('refuses %s with PDF_MALFORMED', (src, what) => {
    expect(codeOf(() => parse(src))).toBe('PDF_MALFORMED');
    try {
      parse(src);
    } catch (e) {
      expect((e as Error).message).toContain(what);
    }
  });

  it('bounds the nesting depth', () => {
    expect(codeOf(() => parse('['.repeat(10_000)))).toBe('PDF_MALFORMED');
  });

  it('reads a stream whose /Length is wrong by finding endstream', () => {
    const s = new PdfLexer(new Uint8Array(Buffer.from('<< /Length 3 >>\nstream\nhello world\nendstream', 'latin1'))).parseObject() as PdfStream;
    expect(Buffer.from(s.data).toString()).toBe('hello world');
  });

  it('inflates Flate streams with PNG predictors (as cross-reference streams use)', () => {
    // Two rows of 3 bytes, "Up" predictor (2) on the second row.
    const raw = Uint8Array.of(0, 1, 2, 3, 2, 1, 1, 1);
    const s = new PdfStream(new PdfDict([['Filter', new PdfName('FlateDecode')], ['DecodeParms', new PdfDict([['Predictor', 12], ['Columns', 3]])]]), new Uint8Array(deflateSync(raw)));
    expect([...decodeStream(s)]).toEqual([1, 2, 3, 2, 3, 4]);
  });

  it('refuses a Flate bomb past the structure-stream limit', () => {
    const bomb = new PdfStream(new PdfDict([['Filter', new PdfName('FlateDecode')]]), new Uint8Array(deflateSync(Buffer.alloc(8 * 1024 * 1024))));
    expect(codeOf(() => decodeStream(bomb, undefined, 1024 * 1024))).toBe('PDF_MALFORMED');
    expect(decodeStream(bomb).length).toBe(8 * 1024 * 1024);
  });

  it('reads PDF dates with offsets', () => {
    expect(parsePdfDate("D:20261123143000+01'00'")!.toISOString()).toBe('2026-11-23T13:30:00.000Z');
    expect(parsePdfDate('D:20261123143000Z')!.toISOString()).toBe('2026-11-23T14:30:00.000Z');
    expect(formatPdfDate(new Date('2026-11-23T14:30:05Z'))).toBe('D:20261123143005Z');
  });
});

describe('documents', () => {
  it('reads a hand-written PDF: one revision, the page, no signature', () => {
    const doc = PdfDocument.parse(letterPdf());
    expect(doc.revisions).toHaveLength(1);
    expect(doc.usesXrefStreams).toBe(false);
    expect(doc.pages()).toHaveLength(1);
    expect(doc.pages()[0]!.mediaBox).toEqual([0, 0, 595, 842]);
    expect(listSignatures(doc)).toEqual([]);
  });

  it('refuses what is not a PDF, and a truncated one', () => {
    expect(codeOf(() => PdfDocument.parse(new Uint8Array(Buffer.from('hello'))))).toBe('PDF_MALFORMED');
    const pdf = letterPdf();
    expect(codeOf(() => PdfDocument.parse(pdf.subarray(0, pdf.length - 40)))).toBe('PDF_MALFORMED');
  });

  it('an incremental update keeps the original bytes as a prefix and adds a revision', () => {
    const pdf = letterPdf();
    const doc = PdfDocument.parse(pdf);
    const up = new IncrementalUpdate(doc);
    const ref = up.allocate();
    up.set(ref, new PdfDict([['Hello', new PdfString(new Uint8Array(Buffer.from('world')))]]));
    const w = up.write();
    const all = Buffer.concat([pdf, w.bytes]);
    expect(Buffer.compare(all.subarray(0, pdf.length), Buffer.from(pdf))).toBe(0);
    const again = PdfDocument.parse(new Uint8Array(all));
    expect(again.revisions.map((r) => r.end)).toEqual([pdf.length, all.length]);
    expect(((again.getObject(ref.num) as PdfDict).get('Hello') as PdfString).text()).toBe('world');
    expect(again.tableOfRevision(0).has(ref.num)).toBe(false);
  });
});

describe.runIf(havePeers('qpdf'))('documents made by qpdf', () => {
  it('object streams and cross-reference streams: objects read from inside object streams', () => {
    const os = qpdf(letterPdf(), ['--object-streams=generate']);
    const doc = PdfDocument.parse(os);
    expect(doc.usesXrefStreams).toBe(true);
    expect(doc.pages()).toHaveLength(1);
    expect(doc.catalog.name('Type')).toBe('Catalog');
  });

  it('a linearized file is one revision', () => {
    const lin = qpdf(letterPdf(), ['--linearize']);
    const doc = PdfDocument.parse(lin);
    expect(doc.revisions).toHaveLength(1);
    expect(doc.revisions[0]!.end).toBe(lin.length);
    expect(doc.pages()).toHaveLength(1);
  });

  it('an encrypted PDF is refused with PDF_ENCRYPTED', () => {
    const enc = qpdf(letterPdf(), ['--encrypt', 'user', 'owner', '256', '--']);
    expect(codeOf(() => PdfDocument.parse(enc))).toBe('PDF_ENCRYPTED');
  });
});
