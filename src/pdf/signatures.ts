/**
 * The signatures a PDF carries (ISO 32000-1 §12.8.1 Table 252, ISO 32000-2 §12.8.5 document
 * time-stamps): each signature field's signature dictionary, its /ByteRange, its /Contents (with
 * the offsets of the hex string in the file), and the revision it signs.
 *
 * A /ByteRange is sound only when it is `[0 a b c]` with the hole `a..b` being exactly the
 * /Contents string and `b + c` the end of a revision: anything else signs bytes other than the
 * ones a reader shows, and is reported (never silently accepted).
 */
import * as crypto from 'node:crypto';
import type { PdfDocument } from './document.js';
import { PdfDict, PdfString, dictOf, numberOf, type PdfObject } from './objects.js';

/** One signature or document time-stamp of the PDF. */
export interface PdfSignatureEntry {
  /** Fully qualified field name. */
  fieldName: string;
  kind: 'signature' | 'document-timestamp';
  dict: PdfDict;
  /** /Filter and /SubFilter. */
  filter?: string;
  subFilter?: string;
  byteRange?: number[];
  /** The /Contents string (with its offsets in the file when it is a direct string). */
  contents?: PdfString;
  /** The DER inside /Contents (the zero padding after the outer element removed). */
  der?: Uint8Array;
  /** Why the /ByteRange does not designate "this file up to a revision end, minus /Contents". */
  byteRangeProblem?: string;
  /** Index of the revision it signs (the revision whose end is `byteRange[2] + byteRange[3]`). */
  revision?: number;
  /** /M, /Reason, /Location, /Name, /ContactInfo as text. */
  claimedTime?: Date;
  reason?: string;
  location?: string;
  name?: string;
  contactInfo?: string;
}

/** End offset of the BER element at `pos` (definite or indefinite lengths, X.690 §8.1), or undefined. */
function berEnd(b: Uint8Array, pos: number, depth: number): number | undefined {
  if (depth > 64 || pos + 2 > b.length) return undefined;
  let p = pos + 1;
  if ((b[pos]! & 0x1f) === 0x1f) while (p < b.length && (b[p++]! & 0x80) !== 0);
  const first = b[p++];
  if (first === undefined) return undefined;
  if (first === 0x80) {
    if ((b[pos]! & 0x20) === 0) return undefined; // indefinite length on a primitive
    while (p + 1 < b.length) {
      if (b[p] === 0 && b[p + 1] === 0) return p + 2;
      const end = berEnd(b, p, depth + 1);
      if (end === undefined) return undefined;
      p = end;
    }
    return undefined;
  }
  let len = first;
  if (first > 0x80) {
    const n = first & 0x7f;
    if (n > 4 || p + n > b.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
  }
  return p + len <= b.length ? p + len : undefined;
}

/**
 * Length of the CMS element at the start of `b` (a SEQUENCE, DER or BER with indefinite lengths
 * as NSS writes it), or undefined. What follows it in /Contents is the hole's zero padding.
 */
export function derLength(b: Uint8Array): number | undefined {
  if (b.length < 2 || b[0] !== 0x30) return undefined;
  return berEnd(b, 0, 0);
}

/** A PDF date string (§7.9.4: `D:YYYYMMDDHHmmSSOHH'mm'`) as a Date, or undefined. */
export function parsePdfDate(s: string): Date | undefined {
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?/.exec(s.trim());
  if (m === null) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', tz, th = '00', tm = '00'] = m;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  if (tz === '+' || tz === '-') t -= (tz === '+' ? 1 : -1) * (Number(th) * 60 + Number(tm)) * 60_000;
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** `D:YYYYMMDDHHmmSSZ` for a Date (UTC). */
export function formatPdfDate(d: Date): string {
  const iso = d.toISOString();
  return `D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

function textOf(doc: PdfDocument, v: PdfObject | undefined): string | undefined {
  const r = doc.resolve(v);
  return r instanceof PdfString ? r.text() : undefined;
}

/** Checks /ByteRange against /Contents and the revisions; sets `revision` or `byteRangeProblem`. */
function checkByteRange(doc: PdfDocument, e: PdfSignatureEntry): void {
  const br = e.byteRange;
  if (br === undefined || br.length !== 4 || br.some((x) => !Number.isInteger(x) || x < 0)) {
    e.byteRangeProblem = 'the signature has no /ByteRange of four offsets';
    return;
  }
  const [a, b, c, d] = br as [number, number, number, number];
  const end = c + d;
  if (a !== 0) e.byteRangeProblem = `the /ByteRange does not start at the beginning of the file (${a})`;
  else if (b > c) e.byteRangeProblem = 'the two ranges of the /ByteRange overlap';
  else if (end > doc.bytes.length) e.byteRangeProblem = `the /ByteRange goes past the end of the file (${end} > ${doc.bytes.length})`;
  else if (e.contents?.start === undefined || e.contents.start !== b || e.contents.end !== c) {
    e.byteRangeProblem = 'the bytes left out of the /ByteRange are not exactly the /Contents of the signature (other bytes are unsigned)';
  }
  if (e.byteRangeProblem !== undefined) return;
  const index = doc.revisions.findIndex((r) => r.end === end);
  if (index < 0) {
    e.byteRangeProblem = `the /ByteRange ends at ${end}, which is not the end of a revision of the file`;
    return;
  }
  e.revision = index;
}

/**
 * Every signature field with a signature dictionary (/V), in the order of the revisions they sign
 * (unsigned fields are not signatures and are left out).
 */
export function listSignatures(doc: PdfDocument): PdfSignatureEntry[] {
  const out: PdfSignatureEntry[] = [];
  for (const field of doc.fields()) {
    if (field.type !== 'Sig') continue;
    const v = dictOf(doc.resolve(field.dict.get('V')));
    if (v === undefined) continue;
    const filter = v.name('Filter');
    const subFilter = v.name('SubFilter');
    const kind = v.name('Type') === 'DocTimeStamp' || subFilter === 'ETSI.RFC3161' ? 'document-timestamp' : 'signature';
    const e: PdfSignatureEntry = { fieldName: field.fullName, kind, dict: v };
    if (filter !== undefined) e.filter = filter;
    if (subFilter !== undefined) e.subFilter = subFilter;
    const br = doc.resolve(v.get('ByteRange'));
    if (Array.isArray(br)) e.byteRange = br.map((x) => numberOf(doc.resolve(x)) ?? -1);
    // /Contents must be a direct string for its offsets to mean anything.
    const contents = v.get('Contents');
    if (contents instanceof PdfString) {
      e.contents = contents;
      const len = derLength(contents.bytes);
      if (len !== undefined && len <= contents.bytes.length && contents.bytes.subarray(len).every((x) => x === 0)) e.der = contents.bytes.subarray(0, len);
    }
    const m = textOf(doc, v.get('M'));
    const claimed = m !== undefined ? parsePdfDate(m) : undefined;
    if (claimed !== undefined) e.claimedTime = claimed;
    for (const [key, prop] of [['Reason', 'reason'], ['Location', 'location'], ['Name', 'name'], ['ContactInfo', 'contactInfo']] as const) {
      const t = textOf(doc, v.get(key));
      if (t !== undefined) e[prop] = t;
    }
    checkByteRange(doc, e);
    out.push(e);
  }
  return out.sort((x, y) => (x.revision ?? Infinity) - (y.revision ?? Infinity));
}

/** The DSS key of a signature (ISO 32000-2 §12.8.4.4): upper-case hex SHA-1 of its /Contents bytes. */
export function vriKey(contents: PdfString): string {
  return crypto.createHash('sha1').update(contents.bytes).digest('hex').toUpperCase();
}

/** The bytes a /ByteRange covers, without copying. */
export function* byteRangeChunks(bytes: Uint8Array, br: readonly number[]): Generator<Uint8Array> {
  for (let i = 0; i + 1 < br.length; i += 2) yield bytes.subarray(br[i]!, br[i]! + br[i + 1]!);
}

/**
 * The DocMDP permission of a certified document (ISO 32000-1 §12.8.2.2): 1 no changes, 2 form
 * filling and signing, 3 also annotations; undefined when the document is not certified.
 */
export function docMdpPermission(doc: PdfDocument): number | undefined {
  const perms = dictOf(doc.resolve(doc.catalog.get('Perms')));
  const sig = dictOf(doc.resolve(perms?.get('DocMDP')));
  const refs = doc.resolve(sig?.get('Reference'));
  if (sig === undefined) return undefined;
  for (const r of Array.isArray(refs) ? refs : []) {
    const ref = dictOf(doc.resolve(r));
    if (ref?.name('TransformMethod') !== 'DocMDP') continue;
    const params = dictOf(doc.resolve(ref.get('TransformParams')));
    return numberOf(doc.resolve(params?.get('P'))) ?? 2;
  }
  return 2;
}
