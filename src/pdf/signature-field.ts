/**
 * The incremental update that carries one signature or document time-stamp (ISO 32000-1
 * §12.8.1, ISO 32000-2 §12.8.5): a signature field merged with its widget annotation (§12.7.4.5)
 * on a page, added to the form's /Fields (the form is created when there is none, /SigFlags 3),
 * and the signature dictionary with a /Contents hole and a /ByteRange that covers everything else.
 *
 * The hole is sized by the caller (from the actual signature: see `pades.ts`); /ByteRange is
 * written as a fixed-width placeholder, then filled once the offsets are known — the update's
 * length never changes after that, so the signed bytes are exactly the bytes written.
 */
import { ScelleError } from '../errors.js';
import type { PdfDocument, PdfPage } from './document.js';
import { PdfDict, PdfName, PdfRef, PdfStream, textString, dictOf, numberOf, type PdfObject } from './objects.js';
import { appearanceStream, emptyAppearance } from './appearance.js';
import { IncrementalUpdate, concat, serialize } from './writer.js';

/** Where and what a visible signature shows: page (1-based) and rectangle in points, bottom-left origin. */
export interface VisiblePlacement {
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What goes into the revision. */
export interface SignatureFieldSpec {
  /** Entries of the signature dictionary other than /ByteRange and /Contents, in order. */
  entries: [string, PdfObject][];
  /** Size of the /Contents hole in bytes (written as twice as many hex digits). */
  contentsBytes: number;
  /** Field name prefix: `Signature` or `DocTimeStamp` (a number is appended to make it unique). */
  fieldPrefix: string;
  /** A visible widget with these lines, or an invisible one. */
  visible?: { placement: VisiblePlacement; lines: string[] };
}

/** A revision ready to be signed: the original bytes, the update, and where the hole is. */
export interface PreparedRevision {
  original: Uint8Array;
  /** The update bytes (its /Contents still zeros); filled in place by {@link fillContents}. */
  update: Uint8Array;
  byteRange: [number, number, number, number];
  /** Offsets (in the whole file) of the hole's `<` and just after its `>`. */
  hole: { start: number; end: number };
  fieldName: string;
}

const BYTE_RANGE_PLACEHOLDER = '[0 0000000000 0000000000 0000000000]';
const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** A field name not used yet: `Signature1`, `Signature2`… */
function uniqueFieldName(doc: PdfDocument, prefix: string): string {
  const used = new Set(doc.fields().map((f) => f.fullName));
  for (let i = 1; ; i++) if (!used.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

/** The page a widget goes on, checking the visible rectangle lies on it. */
function pageFor(doc: PdfDocument, visible: VisiblePlacement | undefined): PdfPage {
  const pages = doc.pages();
  if (pages.length === 0) throw new ScelleError('PDF_MALFORMED', 'the PDF has no page to put a signature on', { params: { detail: 'no page' } });
  if (visible === undefined) return pages[0]!;
  const page = pages[visible.page - 1];
  if (page === undefined || !Number.isInteger(visible.page)) {
    throw new ScelleError('USAGE', `--visible names page ${visible.page}, but the PDF has ${pages.length} page(s)`, { params: { detail: `page ${visible.page} of ${pages.length}` } });
  }
  const [x1, y1, x2, y2] = page.mediaBox as [number, number, number, number];
  const { x, y, width, height } = visible;
  if (!(width > 0 && height > 0) || x < x1 || y < y1 || x + width > x2 + 0.01 || y + height > y2 + 0.01) {
    throw new ScelleError('USAGE', `the signature box ${x},${y} ${width}×${height} pt does not fit on page ${visible.page} (${x2 - x1}×${y2 - y1} pt, origin bottom left)`, { params: { detail: `box ${x},${y},${width},${height}` } });
  }
  return page;
}

/** Adds `widget` to the page's /Annots (rewriting the page, or its /Annots array when indirect). */
function addToAnnots(doc: PdfDocument, update: IncrementalUpdate, page: PdfPage, widget: PdfRef): void {
  const annots = page.dict.get('Annots');
  if (annots instanceof PdfRef) {
    const arr = doc.resolve(annots);
    update.set(annots, [...(Array.isArray(arr) ? arr : []), widget]);
    return;
  }
  const dict = page.dict.clone();
  dict.set('Annots', [...(Array.isArray(annots) ? annots : []), widget]);
  update.set(page.ref, dict);
}

/** Adds `field` to the form's /Fields, creating the form when there is none; /SigFlags 3 (§12.7.2). */
function addToForm(doc: PdfDocument, update: IncrementalUpdate, field: PdfRef): void {
  const catalog = doc.catalog;
  const acroValue = catalog.get('AcroForm');
  const acro = dictOf(doc.resolve(acroValue))?.clone() ?? new PdfDict();
  const fieldsValue = acro.get('Fields');
  if (fieldsValue instanceof PdfRef) {
    const arr = doc.resolve(fieldsValue);
    update.set(fieldsValue, [...(Array.isArray(arr) ? arr : []), field]);
  } else {
    acro.set('Fields', [...(Array.isArray(fieldsValue) ? fieldsValue : []), field]);
  }
  acro.set('SigFlags', ((numberOf(doc.resolve(acro.get('SigFlags'))) ?? 0) | 3));
  if (acroValue instanceof PdfRef) {
    update.set(acroValue, acro);
    return;
  }
  const cat = catalog.clone();
  if (acroValue instanceof PdfDict) {
    cat.set('AcroForm', acro);
  } else {
    const ref = update.allocate();
    update.set(ref, acro);
    cat.set('AcroForm', ref);
  }
  update.set(doc.rootRef, cat);
}

/** The signature dictionary's bytes with both placeholders, and where they are in it. */
function signatureDictionary(spec: SignatureFieldSpec): { body: Uint8Array; byteRangeAt: number; holeAt: number } {
  const head = serialize(new PdfDict(spec.entries));
  // head is "<<…>>": insert our two entries before its closing ">>".
  const open = head.subarray(0, head.length - 2);
  const byteRange = enc(`/ByteRange ${BYTE_RANGE_PLACEHOLDER}`);
  const contents = enc(`/Contents <${'0'.repeat(spec.contentsBytes * 2)}>`);
  const body = concat([open, byteRange, contents, enc('>>')]);
  const byteRangeAt = open.length + '/ByteRange '.length;
  const holeAt = open.length + byteRange.length + '/Contents '.length;
  return { body, byteRangeAt, holeAt };
}

/**
 * Builds the update that adds a signature (or document time-stamp) field with its signature
 * dictionary, and fills /ByteRange. The /Contents hole is left as zeros.
 * @throws ScelleError USAGE (a visible box off the page), PDF_MALFORMED (no page).
 */
export function prepareSignatureRevision(doc: PdfDocument, spec: SignatureFieldSpec): PreparedRevision {
  const update = new IncrementalUpdate(doc);
  const page = pageFor(doc, spec.visible?.placement);
  const sigRef = update.allocate();
  const fieldRef = update.allocate();
  const apRef = update.allocate();
  const fieldName = uniqueFieldName(doc, spec.fieldPrefix);
  let rect: number[] = [0, 0, 0, 0];
  let appearance: PdfStream = emptyAppearance();
  if (spec.visible !== undefined) {
    const p = spec.visible.placement;
    rect = [p.x, p.y, p.x + p.width, p.y + p.height];
    appearance = appearanceStream(p.width, p.height, spec.visible.lines);
  }
  // Field and widget merged (§12.5.6.19, §12.7.1). /F 132: Print + Locked (§12.5.3), printable as PDF/A wants.
  const field = new PdfDict([
    ['Type', new PdfName('Annot')], ['Subtype', new PdfName('Widget')], ['FT', new PdfName('Sig')],
    ['T', textString(fieldName)], ['V', sigRef], ['F', 132], ['P', page.ref], ['Rect', rect],
    ['AP', new PdfDict([['N', apRef]])],
  ]);
  update.set(fieldRef, field);
  update.set(apRef, appearance);
  addToAnnots(doc, update, page, fieldRef);
  addToForm(doc, update, fieldRef);
  const sig = signatureDictionary(spec);
  update.setRaw(sigRef, sig.body);
  const written = update.write();
  const base = doc.bytes.length;
  const sigAt = written.offsets.get(sigRef.num)! + `${sigRef.num} 0 obj\n`.length;
  const holeStart = sigAt + sig.holeAt;
  const holeEnd = holeStart + 2 + spec.contentsBytes * 2;
  const byteRange: [number, number, number, number] = [0, holeStart, holeEnd, written.length - holeEnd];
  const text = `[${byteRange.join(' ')}]`;
  if (text.length > BYTE_RANGE_PLACEHOLDER.length) throw new ScelleError('UNSUPPORTED_FORMAT', 'the PDF is too large for a /ByteRange of ten-digit offsets');
  const filled = `${text.slice(0, -1)}${' '.repeat(BYTE_RANGE_PLACEHOLDER.length - text.length)}]`;
  written.bytes.set(enc(filled), sigAt + sig.byteRangeAt - base);
  return { original: doc.bytes, update: written.bytes, byteRange, hole: { start: holeStart, end: holeEnd }, fieldName };
}

/** The signed bytes of a prepared revision, in order, without copying the original. */
export function* signedRanges(prep: PreparedRevision): Generator<Uint8Array> {
  const base = prep.original.length;
  yield prep.original;
  yield prep.update.subarray(0, prep.hole.start - base);
  yield prep.update.subarray(prep.hole.end - base);
}

/** True when `der` fits in the hole. */
export function fits(prep: PreparedRevision, der: Uint8Array): boolean {
  return der.length * 2 <= prep.hole.end - prep.hole.start - 2;
}

/**
 * Writes `der` (hex, upper case) into the hole; the rest stays zeros (a DER reader stops at the
 * end of the outer element).
 * @throws ScelleError INTERNAL when it does not fit (the caller sizes the hole and checks {@link fits}).
 */
export function fillContents(prep: PreparedRevision, der: Uint8Array): void {
  if (!fits(prep, der)) throw new ScelleError('INTERNAL', `the signature (${der.length} bytes) does not fit its /Contents hole`);
  prep.update.set(enc(Buffer.from(der).toString('hex').toUpperCase()), prep.hole.start + 1 - prep.original.length);
}
