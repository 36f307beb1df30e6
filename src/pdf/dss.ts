/**
 * The Document Security Store (ISO 32000-2 §12.8.4.3, ETSI EN 319 142-1 §5.4.2 B-LT): a
 * dictionary in the catalog (/DSS) with arrays of streams — /Certs (DER certificates), /CRLs (DER
 * CRLs), /OCSPs (DER OCSP responses) — and /VRI, one dictionary per signature keyed by the
 * upper-case hex SHA-1 of its /Contents (§12.8.4.4), pointing at the objects that validate it,
 * with /TU the time they were gathered.
 *
 * Added as an incremental update after the signatures it serves; an existing DSS is kept and
 * extended (its streams are reused, nothing is removed). The catalog gets the ESIC developer
 * extension (/Extensions /ESIC, level 5) that ISO 32000-1 readers use to recognise a DSS.
 */
import * as crypto from 'node:crypto';
import type { PdfDocument } from './document.js';
import { decodeStream } from './filters.js';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, dictOf, textString, type PdfObject } from './objects.js';
import { formatPdfDate } from './signatures.js';
import { IncrementalUpdate, flateStream } from './writer.js';

/** What one signature's VRI entry lists. */
export interface VriEntry {
  key: string;
  certificates: Uint8Array[];
  crls: Uint8Array[];
  ocspResponses: Uint8Array[];
}

/** What to add to the DSS. */
export interface DssAddition {
  certificates: Uint8Array[];
  crls: Uint8Array[];
  ocspResponses: Uint8Array[];
  vri: VriEntry[];
  /** /TU of the VRI entries. */
  time: Date;
}

const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

/** The DER streams of one DSS array, by SHA-256, with their references (existing or new). */
class StreamSet {
  readonly refs: PdfObject[] = [];
  private readonly byHash = new Map<string, PdfRef>();

  constructor(private readonly doc: PdfDocument, private readonly update: IncrementalUpdate, existing: PdfObject | undefined) {
    const arr = doc.resolve(existing);
    if (!Array.isArray(arr)) return;
    for (const r of arr) {
      this.refs.push(r);
      const s = doc.resolve(r);
      if (!(r instanceof PdfRef) || !(s instanceof PdfStream)) continue;
      try {
        this.byHash.set(sha256(decodeStream(s, (v) => doc.resolve(v))), r);
      } catch {
        // a stream we cannot decode stays as it is; the same data may then be added twice
      }
    }
  }

  /** The reference of `der`, adding a stream when it is new. */
  add(der: Uint8Array): PdfRef {
    const h = sha256(der);
    const known = this.byHash.get(h);
    if (known !== undefined) return known;
    const ref = this.update.allocate();
    this.update.set(ref, flateStream(new PdfDict(), der));
    this.byHash.set(h, ref);
    this.refs.push(ref);
    return ref;
  }
}

/** /Extensions with ESIC level 5 (ETSI EN 319 142-1 §5.4.1 names it for the DSS and document time-stamps). */
export function withEsicExtension(doc: PdfDocument, catalog: PdfDict): void {
  const ext = dictOf(doc.resolve(catalog.get('Extensions')))?.clone() ?? new PdfDict();
  if (!ext.has('ESIC')) {
    ext.set('ESIC', new PdfDict([['BaseVersion', new PdfName('1.7')], ['ExtensionLevel', 5]]));
    catalog.set('Extensions', ext);
  }
}

/**
 * The incremental update adding `add` to the document's DSS.
 * @returns the bytes to append.
 */
export function dssUpdate(doc: PdfDocument, add: DssAddition): Uint8Array {
  const update = new IncrementalUpdate(doc);
  const catalog = doc.catalog.clone();
  const dssValue = catalog.get('DSS');
  const old = dictOf(doc.resolve(dssValue)) ?? new PdfDict();
  const dss = old.clone();
  dss.set('Type', new PdfName('DSS'));
  const certs = new StreamSet(doc, update, old.get('Certs'));
  const crls = new StreamSet(doc, update, old.get('CRLs'));
  const ocsps = new StreamSet(doc, update, old.get('OCSPs'));
  for (const c of add.certificates) certs.add(c);
  for (const c of add.crls) crls.add(c);
  for (const o of add.ocspResponses) ocsps.add(o);
  const vri = dictOf(doc.resolve(old.get('VRI')))?.clone() ?? new PdfDict();
  for (const v of add.vri) {
    const entry = new PdfDict();
    if (v.certificates.length > 0) entry.set('Cert', v.certificates.map((c) => certs.add(c)));
    if (v.crls.length > 0) entry.set('CRL', v.crls.map((c) => crls.add(c)));
    if (v.ocspResponses.length > 0) entry.set('OCSP', v.ocspResponses.map((o) => ocsps.add(o)));
    entry.set('TU', new PdfString(textString(formatPdfDate(add.time)).bytes));
    vri.set(v.key, entry);
  }
  if (certs.refs.length > 0) dss.set('Certs', certs.refs);
  if (crls.refs.length > 0) dss.set('CRLs', crls.refs);
  if (ocsps.refs.length > 0) dss.set('OCSPs', ocsps.refs);
  if (vri.map.size > 0) dss.set('VRI', vri);
  if (dssValue instanceof PdfRef) {
    update.set(dssValue, dss);
    // The catalog changes only for the extension entry.
    const before = catalog.get('Extensions');
    withEsicExtension(doc, catalog);
    if (catalog.get('Extensions') !== before) update.set(doc.rootRef, catalog);
  } else {
    const ref = update.allocate();
    update.set(ref, dss);
    catalog.set('DSS', ref);
    withEsicExtension(doc, catalog);
    update.set(doc.rootRef, catalog);
  }
  return update.write().bytes;
}
